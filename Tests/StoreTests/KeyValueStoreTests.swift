import Foundation
import MarketCore
import MarketStore
import PluginRuntime
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// `market.kv/1` on PostgreSQL.
    @Suite struct KeyValueStoreTests {
        func store() async throws -> (PostgresKeyValueStore, DatabasePool) {
            let pool = DatabasePool(connectionString: try await freshDatabase(), configuration: .init(size: 2), logger: quietLogger)
            pool.start()
            try await Migrator().apply(using: pool, logger: quietLogger)
            return (PostgresKeyValueStore(pool: pool), pool)
        }

        @Test func valuesRoundTripAndNamespacesStayApart() async throws {
            let (store, pool) = try await store()
            let notes = KeyValueNamespace(tenantID: "acme", pluginID: "notes")
            let otherTenant = KeyValueNamespace(tenantID: "globex", pluginID: "notes")
            let otherPlugin = KeyValueNamespace(tenantID: "acme", pluginID: "crm")
            let (value, replaced, strangers, removed) = try await onThread {
                try store.put(notes, key: "a", value: [0, 1, 2, 255])
                let value = try store.get(notes, key: "a")
                try store.put(notes, key: "a", value: [7])
                let replaced = try store.get(notes, key: "a")
                let strangers = [try store.get(otherTenant, key: "a"), try store.get(otherPlugin, key: "a")]
                try store.remove(notes, key: "a")
                try store.remove(notes, key: "never-there")
                return (value, replaced, strangers, try store.get(notes, key: "a"))
            }
            #expect(value == [0, 1, 2, 255])
            #expect(replaced == [7])
            #expect(strangers == [nil, nil])
            #expect(removed == nil)
            await pool.shutdown()
        }

        @Test func keysAreFilteredByPrefixAndSortedByCodePoint() async throws {
            let (store, pool) = try await store()
            let namespace = KeyValueNamespace(tenantID: "acme", pluginID: "notes")
            let keys = try await onThread {
                for key in ["note:b", "note:B", "note:a", "other", "note:é", "note:%", "note_x"] { try store.put(namespace, key: key, value: []) }
                try store.put(KeyValueNamespace(tenantID: "acme", pluginID: "crm"), key: "note:z", value: [])
                return (try store.keys(namespace, prefix: "note:"), try store.keys(namespace, prefix: ""))
            }
            #expect(keys.0 == ["note:%", "note:B", "note:a", "note:b", "note:é"])
            #expect(keys.1 == ["note:%", "note:B", "note:a", "note:b", "note:é", "note_x", "other"])
            await pool.shutdown()
        }

        @Test func anExpiredKeyIsUnseenUntilTheSweeperDeletesItAndAPlainPutKeepsItForGood() async throws {
            let (store, pool) = try await store()
            let namespace = KeyValueNamespace(tenantID: "acme", pluginID: "crm")
            try await onThread {
                try store.put(namespace, key: "published/lead/1", value: [1], expiresAfter: 1)
                try store.put(namespace, key: "published/lead/2", value: [2], expiresAfter: 3_600)
                try store.put(namespace, key: "stage/1", value: [3])
                // Stored with an expiry, then again without: kept for good.
                try store.put(namespace, key: "published/lead/3", value: [4], expiresAfter: 1)
                try store.put(namespace, key: "published/lead/3", value: [5])
            }
            #expect(try await onThread { try store.get(namespace, key: "published/lead/1") } == [1])
            // Past the first key's expiry by the database's clock.
            _ = try await pool.withConnection { try $0.prepared("UPDATE kv SET expires_at = now() - interval '1 second' WHERE key = 'published/lead/1'", []) }
            let (gone, listed) = try await onThread { (try store.get(namespace, key: "published/lead/1"), try store.keys(namespace, prefix: "")) }
            #expect(gone == nil)
            #expect(listed == ["published/lead/2", "published/lead/3", "stage/1"])
            let rowsBefore = try await pool.withConnection { try $0.prepared("SELECT count(*) AS n FROM kv", []).first?.decode("n", as: Int64.self) }
            #expect(rowsBefore == 4, "an expired key keeps its row until the sweep")

            let sweeper = KeyValueSweeper(store: store, logger: quietLogger)
            #expect(try await sweeper.sweep(batch: 1) == 1)
            #expect(try await sweeper.sweep() == 0)
            let rows = try await pool.withConnection { try $0.prepared("SELECT key FROM kv ORDER BY key", []).map { try $0.decode("key", as: String.self) } }
            #expect(rows == ["published/lead/2", "published/lead/3", "stage/1"])
            #expect(try await onThread { try store.get(namespace, key: "published/lead/3") } == [5])
            await pool.shutdown()
        }

        @Test func theSweeperDeletesABacklogInBatches() async throws {
            let (store, pool) = try await store()
            _ = try await pool.withConnection { connection in
                try connection.prepared("""
                    INSERT INTO kv (tenant_id, plugin_id, key, value, expires_at)
                    SELECT 'acme', 'crm', 'seen/' || n, '\\x31', now() - interval '1 minute' FROM generate_series(1, 25) AS n
                    """, [])
            }
            #expect(try await KeyValueSweeper(store: store, logger: quietLogger).sweep(batch: 10) == 25)
            let left = try await pool.withConnection { try $0.prepared("SELECT count(*) AS n FROM kv", []).first?.decode("n", as: Int64.self) }
            #expect(left == 0)
            await pool.shutdown()
        }
    }
}

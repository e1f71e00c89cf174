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
    }
}

import MarketCore

/// `market.kv/1` in PostgreSQL's `kv` table, one namespace per (tenant, plugin).
///
/// Calls come from plugin threads and block them while the pool's connection does the work;
/// they never run on the cooperative pool. Keys sort by code point (`COLLATE "C"`), as Swift
/// sorts them, whatever the server's locale. A key stored with a time to live is invisible
/// once expired (by the database's clock, so replicas agree) and deleted by `deleteExpired`,
/// which `KeyValueSweeper` runs.
public final class PostgresKeyValueStore: KeyValueStore {
    private let pool: DatabasePool

    /// - Parameter pool: a pool on a database the migrations have been applied to.
    public init(pool: DatabasePool) {
        self.pool = pool
    }

    public func get(_ namespace: KeyValueNamespace, key: String) throws -> [UInt8]? {
        try pool.withConnectionBlocking { connection in
            try connection.prepared("""
                SELECT value FROM kv WHERE tenant_id = $1 AND plugin_id = $2 AND key = $3 AND (expires_at IS NULL OR expires_at > now())
                """, [namespace.tenantID, namespace.pluginID, key])
                .first?.decode("value", as: [UInt8].self)
        }
    }

    public func put(_ namespace: KeyValueNamespace, key: String, value: [UInt8], expiresAfter seconds: UInt32?) throws {
        _ = try pool.withConnectionBlocking { connection in
            try connection.prepared("""
                INSERT INTO kv (tenant_id, plugin_id, key, value, expires_at)
                VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::bigint))
                ON CONFLICT (tenant_id, plugin_id, key) DO UPDATE SET value = excluded.value, updated_at = now(), expires_at = excluded.expires_at
                """, [namespace.tenantID, namespace.pluginID, key, value, seconds.map { Int64($0) }])
        }
    }

    public func remove(_ namespace: KeyValueNamespace, key: String) throws {
        _ = try pool.withConnectionBlocking { connection in
            try connection.prepared("DELETE FROM kv WHERE tenant_id = $1 AND plugin_id = $2 AND key = $3",
                                    [namespace.tenantID, namespace.pluginID, key])
        }
    }

    public func keys(_ namespace: KeyValueNamespace, prefix: String) throws -> [String] {
        try pool.withConnectionBlocking { connection in
            try connection.prepared("""
                SELECT key FROM kv WHERE tenant_id = $1 AND plugin_id = $2 AND starts_with(key, $3)
                  AND (expires_at IS NULL OR expires_at > now())
                ORDER BY key COLLATE "C"
                """, [namespace.tenantID, namespace.pluginID, prefix])
                .map { try $0.decode("key", as: String.self) }
        }
    }

    /// Deletes up to `limit` expired keys of every namespace; answers how many. Batches keep
    /// each transaction short however many keys expired at once.
    public func deleteExpired(limit: Int = 5_000) async throws -> Int {
        try await pool.withConnection { connection in
            try connection.prepared("""
                DELETE FROM kv WHERE ctid = ANY (ARRAY(SELECT ctid FROM kv WHERE expires_at <= now() LIMIT $1))
                """, [Int64(limit)]).affectedRows
        }
    }
}

import MarketCore

/// The check every command that uses the database without owning its schema makes first: only
/// `market serve` and `market db migrate` apply migrations, so an operator decides when the
/// schema changes (a backup first, one replica at a time), never a `market tenant list`.
extension Migrator {
    /// Refuses a database whose schema is not this build's, reading only.
    /// - Throws: `SCHEMA_BEHIND` when migrations are pending (a fresh database included);
    ///   `SCHEMA_NEWER` when the database has a migration this build does not know;
    ///   `MIGRATION_FAILED` when an applied migration's text changed.
    public func requireCurrent(using pool: DatabasePool) async throws {
        try await pool.withConnection { connection in try requireCurrent(on: connection) }
    }

    /// Like `requireCurrent(using:)` on `connection`, blocking the calling thread.
    public func requireCurrent(on connection: PostgresConnection) throws {
        let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
        let recorded = try exists.first?.decode("present", as: Bool.self) == true
        let applied = recorded ? try verifiedVersions(connection) : []
        let pending = migrations.filter { !applied.contains($0.version) }
        guard pending.isEmpty else {
            let list = pending.map(\.fileName).joined(separator: ", ")
            throw MarketError(.schemaBehind, "the database's schema is behind this build of market: it lacks migration(s) \(list)",
                              fix: "run `market db migrate` (or start `market serve`, which migrates), then run the command again")
        }
    }
}

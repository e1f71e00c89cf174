import Logging
import MarketCore

/// Brings a database to the newest schema: each pending migration in a transaction of its own,
/// the whole run under an advisory lock, so servers starting together apply each migration once.
///
/// Applied migrations are recorded in `schema_migrations` (version, name, checksum, applied_at).
/// A recorded migration whose text changed since stops the run with `MIGRATION_FAILED`; one this
/// build does not know (a newer market migrated the database) with `SCHEMA_NEWER`. Commands that
/// only use the database ask `requireCurrent` instead, which changes nothing.
public struct Migrator: Sendable {
    /// The advisory lock key every Market server takes while migrating ("market" in ASCII).
    public static let lockKey: Int64 = 0x6D61_726B_6574

    /// The migrations this migrator knows, by version.
    public let migrations: [Migration]

    /// - Throws: `MIGRATION_FAILED` when two migrations share a version.
    public init(migrations: [Migration] = BuiltInMigrations.all) throws {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (earlier, later) in zip(sorted, sorted.dropFirst()) where earlier.version == later.version {
            throw MarketError(.migrationFailed, "migrations \(earlier.fileName) and \(later.fileName) share version \(later.version)",
                              fix: "give each migration file a number of its own")
        }
        self.migrations = sorted
    }

    /// Applies what is pending, on a connection of the pool.
    /// - Returns: the versions applied by this call (empty when the schema was current).
    @discardableResult
    public func apply(using pool: DatabasePool, logger: Logger) async throws -> [Int] {
        try await pool.withConnection { connection in try apply(on: connection, logger: logger) }
    }

    /// Applies what is pending on `connection`, blocking the calling thread.
    @discardableResult
    public func apply(on connection: PostgresConnection, logger: Logger) throws -> [Int] {
        try locked(connection) {
            try connection.run("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version     integer PRIMARY KEY,
                    name        text NOT NULL,
                    checksum    text NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now()
                )
                """)
            let applied = try verifiedVersions(connection)
            var done: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                do {
                    try connection.transaction { connection in
                        try connection.run(migration.sql)
                        _ = try connection.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                                                 migration.version, migration.name, migration.checksum)
                    }
                } catch let error as MarketError {
                    throw MarketError(.migrationFailed, "migration \(migration.fileName) failed: \(error.message)",
                                      fix: "fix the migration's SQL; the database stays at the last migration that applied", underlying: error)
                }
                logger.info("applied migration", metadata: ["migration": "\(migration.fileName)"])
                done.append(migration.version)
            }
            return done
        }
    }

    /// The versions not yet applied (for readiness checks); the table may not exist yet.
    public func pendingVersions(on connection: PostgresConnection) throws -> [Int] {
        let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
        guard let row = exists.first, try row.decode("present", as: Bool.self) else { return migrations.map(\.version) }
        let applied = Set(try connection.query("SELECT version FROM schema_migrations").map { try $0.decode("version", as: Int.self) })
        return migrations.map(\.version).filter { !applied.contains($0) }
    }

    /// The applied versions, once each recorded migration is found to be one of this build's,
    /// with the same text.
    func verifiedVersions(_ connection: PostgresConnection) throws -> Set<Int> {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        var applied = Set<Int>()
        for row in try connection.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version") {
            let version = try row.decode("version", as: Int.self)
            let name = try row.decode("name", as: String.self)
            guard let migration = known[version] else {
                throw MarketError(.schemaNewer, "the database has migration \(version) (\(name)), which this build of market does not know: "
                                  + "a newer market migrated it",
                                  fix: "upgrade market to the version that migrated this database, or a later one")
            }
            guard try row.decode("checksum", as: String.self) == migration.checksum else {
                throw MarketError(.migrationFailed, "migration \(migration.fileName) changed after it was applied (its checksum differs)",
                                  fix: "restore the migration's original text and put the change in a new migration")
            }
            applied.insert(version)
        }
        return applied
    }

    /// Holds the advisory lock while `body` runs; a lost connection releases it by itself.
    private func locked<Value>(_ connection: PostgresConnection, _ body: () throws -> Value) throws -> Value {
        _ = try connection.query("SELECT pg_advisory_lock($1)", Self.lockKey)
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", Self.lockKey) }
        return try body()
    }
}

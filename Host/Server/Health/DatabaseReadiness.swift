import Logging
import MarketCore
import MarketStore

/// Whether the server can do its work: the database answers and its schema is current.
public struct DatabaseReadiness: Sendable {
    /// What a check found.
    public enum Outcome: Sendable, Equatable {
        case ready
        /// Not ready: the problem's code (`DB_UNAVAILABLE`, `MIGRATION_PENDING`), message and fix.
        case notReady(MarketError.Code, String, fix: String)
    }

    private let pool: DatabasePool
    private let migrator: Migrator
    /// How long the check's query may run before the database cancels it.
    private let statementTimeoutMilliseconds: Int

    /// - Parameter migrator: the migrations the schema must have (this build's by default).
    public init(pool: DatabasePool, migrator: Migrator, statementTimeoutMilliseconds: Int = 5000) {
        self.pool = pool
        self.migrator = migrator
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
    }

    /// Asks the database which migrations are pending, on one of the pool's threads.
    public func check() async -> Outcome {
        let migrator = migrator
        let timeout = statementTimeoutMilliseconds
        do {
            let pending = try await pool.transaction { connection in
                // A database that hangs must not hang the probe: it cancels the query itself.
                try connection.run("SET LOCAL statement_timeout = \(timeout)")
                return try migrator.pendingVersions(on: connection)
            }
            guard pending.isEmpty else {
                let list = pending.map(String.init).joined(separator: ", ")
                return .notReady(.migrationPending, "the database lacks migration(s) \(list)",
                                 fix: "run `market db migrate`, or restart `market serve`, which migrates at start")
            }
            return .ready
        } catch let error as MarketError {
            return .notReady(.databaseUnavailable, "the database did not answer the readiness check (\(error.code))",
                             fix: error.fix.isEmpty ? "check that PostgreSQL runs and DATABASE_URL is right" : error.fix)
        } catch {
            return .notReady(.databaseUnavailable, "the database did not answer the readiness check",
                             fix: "check that PostgreSQL runs and DATABASE_URL is right")
        }
    }
}

import Logging
import MarketStore

/// The one place a command opens, checks the schema of, and closes the database it selects.
extension DatabaseOptions {
    /// Runs `body` with a started pool of `size` connections on the selected database, draining
    /// and closing the pool afterwards whatever `body` did: a short-lived command's scope is
    /// the pool's lifetime, so it needs no `ServiceGroup`.
    func withPool<Value>(size: Int, logger: Logger, _ body: (DatabasePool) async throws -> Value) async throws -> Value {
        try await withStartedPool(connectionString: location().connectionString, size: size, logger: logger, body)
    }

    /// Like `withPool`, once the schema is found to be this build's: `SCHEMA_BEHIND` or
    /// `SCHEMA_NEWER` before anything is written otherwise. Only `market serve` and
    /// `market db migrate` apply migrations.
    func withCurrentSchema<Value>(size: Int, logger: Logger, _ body: (DatabasePool) async throws -> Value) async throws -> Value {
        try await withPool(size: size, logger: logger) { pool in
            try await Migrator().requireCurrent(using: pool)
            return try await body(pool)
        }
    }

    /// Like `withCurrentSchema`, after loading (or making) the master key.
    func withCurrentStore<Value>(size: Int, logger: Logger, _ body: (DatabasePool, MasterKey) async throws -> Value) async throws -> Value {
        try await withCurrentSchema(size: size, logger: logger) { pool in
            try await body(pool, try MasterKey.load(stateDirectory: stateDirectory, logger: logger))
        }
    }

    /// Runs `body` with an event bus on the selected database (its schema current) and its
    /// connection string.
    func withBus<Value>(_ body: (EventBus, String) async throws -> Value) async throws -> Value {
        let logger = Logger(label: "market.events")
        return try await withCurrentSchema(size: 1, logger: logger) { pool in
            try await body(EventBus(pool: pool, logger: logger), location().connectionString)
        }
    }
}

/// A pool of `size` on `connectionString`, started for `body` and drained whatever happens: a
/// short-lived command's scope in place of a service group.
func withStartedPool<Value>(connectionString: String, size: Int, logger: Logger,
                            _ body: (DatabasePool) async throws -> Value) async throws -> Value {
    let pool = DatabasePool(connectionString: connectionString, configuration: .init(size: size), logger: logger)
    pool.start()
    do {
        let value = try await body(pool)
        await pool.shutdown()
        return value
    } catch {
        await pool.shutdown()
        throw error
    }
}

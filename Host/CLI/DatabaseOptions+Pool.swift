import Logging
import MarketStore

extension DatabaseOptions {
    /// Runs `body` with an event bus on the selected database, closing the pool afterwards.
    func withBus<Value>(_ body: (EventBus, String) async throws -> Value) async throws -> Value {
        let logger = Logger(label: "market.events")
        let connectionString = location().connectionString
        let pool = DatabasePool(connectionString: connectionString, configuration: .init(size: 1), logger: logger)
        do {
            let value = try await body(EventBus(pool: pool, logger: logger), connectionString)
            await pool.shutdown()
            return value
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}

import Logging
import ServiceLifecycle

/// Deletes expired `market.kv/1` keys (stored with `put_expiring`) every `interval`, in
/// batches, so markers plugins keep for a while do not pile up. Reads already skip an expired
/// key; this only frees the rows. Every `market serve` runs one; replicas deleting at once
/// only share the work.
public final class KeyValueSweeper: Service, Sendable {
    let store: PostgresKeyValueStore
    let interval: Duration
    let logger: Logger

    public init(store: PostgresKeyValueStore, interval: Duration = .seconds(300), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await repeatUntilShutdown(every: interval) {
            let deleted = try await self.sweep()
            if deleted > 0 { self.logger.debug("deleted expired keys", metadata: ["count": "\(deleted)"]) }
        } failed: { [logger] error in
            logger.warning("could not delete expired keys", metadata: ["error": "\(error)"])
        }
    }

    /// Deletes every key expired by now, a batch at a time; answers how many.
    public func sweep(batch: Int = 5_000) async throws -> Int {
        var total = 0
        while !Task.isCancelled {
            let deleted = try await store.deleteExpired(limit: batch)
            total += deleted
            if deleted < batch { break }
        }
        return total
    }
}

import Logging
import MarketCore

/// The durable event bus: publishing writes an event once and, in the same statement, one
/// delivery row per subscriber whose pattern matches its type; `DeliveryWorker`s then deliver
/// those rows. Every replica can publish and deliver: the subscriptions and the outbox live in
/// PostgreSQL.
///
/// Publishing the same event id again does nothing (the id is the idempotency key). Events of
/// one tenant's conversation are written one after another, so their order in the table is the
/// order they were published in, which is the order they are delivered in.
public final class EventBus: EventPublisher {
    /// The channel notified when events were written (`market events tail` listens to it).
    public static let eventsChannel = "market_events"
    /// The channel notified when delivery rows became due (workers listen to it).
    public static let deliveriesChannel = "market_deliveries"

    /// What one publish wrote.
    public struct PublishResult: Sendable, Equatable {
        /// Events written now; ids already known are not counted.
        public let events: Int
        /// Delivery rows made for them.
        public let deliveries: Int

        public init(events: Int, deliveries: Int) {
            self.events = events
            self.deliveries = deliveries
        }
    }

    let pool: DatabasePool
    let logger: Logger

    /// - Parameter pool: the connections publishing and the bus's queries use.
    public init(pool: DatabasePool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    /// Publishes one event.
    /// - Throws: `EVENT_INVALID` for a bad envelope or an unknown tenant; store errors.
    @discardableResult
    public func publish(_ event: EventEnvelope) async throws -> PublishResult {
        try await publish([event])
    }

    /// Publishes several events in one transaction: all are written, or none.
    @discardableResult
    public func publish(_ events: [EventEnvelope]) async throws -> PublishResult {
        let batch = try PublishBatch(events)
        guard !batch.isEmpty else { return PublishResult(events: 0, deliveries: 0) }
        return try await pool.withConnection { connection in try batch.write(on: connection) }
    }

    /// Publishes on the calling thread, which it blocks: for plugin threads (`market.events/1`)
    /// and other threads of the host's own. Never call it from async code.
    @discardableResult
    public func publishBlocking(_ events: [EventEnvelope]) throws -> PublishResult {
        let batch = try PublishBatch(events)
        guard !batch.isEmpty else { return PublishResult(events: 0, deliveries: 0) }
        return try pool.withConnectionBlocking { connection in try batch.write(on: connection) }
    }

    /// `EventPublisher`: what a plugin publishes through `market.events/1`, on the plugin's thread.
    public func publish(_ event: EventEnvelope) throws {
        try publishBlocking([event])
    }
}

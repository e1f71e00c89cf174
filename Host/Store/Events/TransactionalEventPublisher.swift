import MarketCore

/// A publisher that writes events inside a caller's own transaction, so they commit, or
/// not, together with the caller's rows (the bot's messages and their events, say).
public protocol TransactionalEventPublisher: EventPublisher {
    /// Writes `events` within the transaction open on `connection`.
    /// - Throws: `EVENT_INVALID` for a bad envelope or an unknown tenant; store errors.
    func write(_ events: [EventEnvelope], inTransactionOn connection: PostgresConnection) throws -> EventBus.PublishResult

    /// Tells whoever waits for events that `result`'s were committed; call it after the commit.
    func announce(_ result: EventBus.PublishResult, on connection: PostgresConnection) throws
}

extension EventBus: TransactionalEventPublisher {
    public func write(_ events: [EventEnvelope], inTransactionOn connection: PostgresConnection) throws -> PublishResult {
        try PublishBatch(events).writeInTransaction(on: connection)
    }

    public func announce(_ result: PublishResult, on connection: PostgresConnection) throws {
        try PublishBatch.notify(after: result, on: connection)
    }
}

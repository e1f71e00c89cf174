import Synchronization

/// Where events published by plugins (`market.events/1`) go. The store issue's outbox is one;
/// the in-memory log serves tests and the CLI.
public protocol EventPublisher: Sendable {
    func publish(_ event: EventEnvelope) throws
}

/// Keeps published events in memory, in order.
public final class InMemoryEventLog: EventPublisher {
    private let storage = Mutex<[EventEnvelope]>([])

    public init() {}

    public func publish(_ event: EventEnvelope) throws {
        storage.withLock { $0.append(event) }
    }

    public var events: [EventEnvelope] { storage.withLock { $0 } }
}

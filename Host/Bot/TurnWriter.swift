import Dispatch
import MarketCore
import MarketStore
import PluginRuntime

/// Commits the journals of concurrent replies together, in one transaction a batch: their
/// messages and, when the publisher is the event bus, their events beside them, so a reply's
/// rows and its events are in, or out, together. Any other publisher gets each reply's events
/// after its commit, in order, on a queue of its own (it may block, which Swift's cooperative
/// pool must not).
final class TurnWriter: Sendable {
    private let commits: GroupCommit<TurnJournal.Entry, EventBus.PublishResult>
    private let publisher: any EventPublisher
    /// The publisher, when it writes inside the messages' transaction.
    private let bus: (any TransactionalEventPublisher)?
    private let queue = DispatchQueue(label: "market.bot.events")

    init(pool: DatabasePool, publisher: any EventPublisher) {
        self.publisher = publisher
        let bus = publisher as? any TransactionalEventPublisher
        self.bus = bus
        commits = GroupCommit(pool: pool, maximumBatch: 128, write: { entries, connection in
            let messages = entries.flatMap(\.messages)
            try ConversationStore.insert(messages, on: connection)
            try ConversationStore.touch(Set(messages.map(\.conversation)), on: connection)
            let events = entries.flatMap(\.events)
            // Every caller is told the batch's total; the announcement after the commit uses it once.
            let written = try bus.flatMap { events.isEmpty ? nil : try $0.write(events, inTransactionOn: connection) }
                ?? EventBus.PublishResult(events: 0, deliveries: 0)
            return entries.map { _ in written }
        }, afterCommit: { outputs, connection in
            if let bus, let written = outputs.first { try bus.announce(written, on: connection) }
        })
    }

    /// Commits what `journal` holds; returns once it is in (and its events published).
    func commit(_ journal: TurnJournal) async throws {
        let entry = journal.take()
        guard !entry.messages.isEmpty || !entry.events.isEmpty else { return }
        if bus != nil || !entry.messages.isEmpty { _ = try await commits.submit(entry) }
        guard bus == nil, !entry.events.isEmpty else { return }
        let publisher = self.publisher
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async { continuation.resume(with: Result { for event in entry.events { try publisher.publish(event) } }) }
        }
    }
}

import MarketCore
import Synchronization

/// Writes that many callers make at once, committed together: each caller submits one item
/// and waits; a single writer takes every item waiting and writes them in one transaction,
/// with statements that handle a whole batch (a JSON array, not a statement an item).
///
/// A busy host then pays one commit, and one disk flush, for dozens of writes instead of one
/// each, and a caller waits at most about two transactions. When a batch fails, its items are
/// written again one by one, so one bad item fails only its own caller (unless the database is
/// unavailable: then every caller gets that).
public final class GroupCommit<Item: Sendable, Output: Sendable>: Sendable {
    /// Writes `items` inside the transaction it is given (which prefers index lookups to hash
    /// joins: see `PostgresConnection.preferIndexLookups()`); returns one output per item, in order.
    public typealias Write = @Sendable (_ items: [Item], _ connection: PostgresConnection) throws -> [Output]
    /// Runs on the same connection once a batch has committed (to notify listeners, say); its
    /// failure does not fail the callers, whose writes are in.
    public typealias AfterCommit = @Sendable (_ outputs: [Output], _ connection: PostgresConnection) throws -> Void

    private struct Waiting {
        let item: Item
        let continuation: CheckedContinuation<Output, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var writing = false
    }

    let pool: DatabasePool
    let maximumBatch: Int
    let write: Write
    let afterCommit: AfterCommit?
    private let state = Mutex(State())

    /// - Parameters:
    ///   - maximumBatch: the most items one transaction takes.
    ///   - write: writes a batch; runs on one of the pool's threads.
    public init(pool: DatabasePool, maximumBatch: Int = 256, write: @escaping Write, afterCommit: AfterCommit? = nil) {
        self.pool = pool
        self.maximumBatch = max(1, maximumBatch)
        self.write = write
        self.afterCommit = afterCommit
    }

    /// Writes `item` with whatever else is waiting; returns once its transaction committed.
    public func submit(_ item: Item) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            let startWriter = state.withLock { state in
                state.waiting.append(Waiting(item: item, continuation: continuation))
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            if startWriter { Task { await self.drain() } }
        }
    }

    /// Writes batches until nobody is waiting.
    private func drain() async {
        while true {
            let batch: [Waiting] = state.withLock { state in
                let taken = Array(state.waiting.prefix(maximumBatch))
                state.waiting.removeFirst(taken.count)
                if taken.isEmpty { state.writing = false }
                return taken
            }
            guard !batch.isEmpty else { return }
            await settle(batch)
        }
    }

    /// Commits a batch and answers its callers.
    private func settle(_ batch: [Waiting]) async {
        let items = batch.map(\.item)
        do {
            let outputs = try await commit(items)
            precondition(outputs.count == batch.count, "a group write must return one output per item")
            for (waiting, output) in zip(batch, outputs) { waiting.continuation.resume(returning: output) }
        } catch let error as MarketError where error.code == .databaseUnavailable {
            // No item is at fault: every caller gets the outage.
            for waiting in batch { waiting.continuation.resume(throwing: error) }
        } catch where batch.count > 1 {
            // Find the item at fault: each alone, so the others still succeed.
            for waiting in batch {
                do {
                    let output = try await commit([waiting.item])
                    waiting.continuation.resume(returning: output[0])
                } catch {
                    waiting.continuation.resume(throwing: error)
                }
            }
        } catch {
            batch[0].continuation.resume(throwing: error)
        }
    }

    private func commit(_ items: [Item]) async throws -> [Output] {
        try await pool.withConnection { [write, afterCommit] connection in
            let outputs = try connection.transaction(preferringIndexLookups: true) { connection in try write(items, connection) }
            try? afterCommit?(outputs, connection)
            return outputs
        }
    }
}

import MarketCore
import Synchronization

/// The pool's bookkeeping: idle connections, how many exist, and the callers waiting in order.
/// Callbacks run outside the lock.
final class Lending: Sendable {
    /// What a caller receives: an idle connection, or the right to open a new one.
    enum Grant: Sendable {
        case connection(PostgresConnection)
        case slot
    }

    typealias Callback = @Sendable (Result<Grant, any Error>) -> Void

    private struct State {
        var idle: [PostgresConnection] = []
        /// Connections open or being opened.
        var open = 0
        var waiters: [(id: UInt64, callback: Callback)] = []
        var nextID: UInt64 = 0
        var closed = false
    }

    private let size: Int
    private let state = Mutex(State())

    init(size: Int) { self.size = size }

    /// Grants at once when it can; otherwise queues `callback` and returns its id (for `expire`
    /// and `withdraw`).
    func acquire(_ callback: @escaping Callback) -> UInt64? {
        enum Decision { case granted(Grant), refused, queued(UInt64) }
        let decision: Decision = state.withLock { state in
            if state.closed { return .refused }
            if let connection = state.idle.popLast() { return .granted(.connection(connection)) }
            if state.open < size {
                state.open += 1
                return .granted(.slot)
            }
            state.nextID += 1
            state.waiters.append((state.nextID, callback))
            return .queued(state.nextID)
        }
        switch decision {
        case .granted(let grant):
            callback(.success(grant))
            return nil
        case .refused:
            callback(.failure(MarketError(.databaseUnavailable, "the database pool is shut down", fix: "the host is stopping; retry on another replica")))
            return nil
        case .queued(let id):
            return id
        }
    }

    /// Returns a connection (or, for a closed one, its slot) to the first waiter, or keeps it.
    func giveBack(_ grant: Grant) {
        let (waiter, leftover): (Callback?, PostgresConnection?) = state.withLock { state in
            if !state.waiters.isEmpty, !state.closed {
                return (state.waiters.removeFirst().callback, nil)
            }
            switch grant {
            case .connection(let connection) where !state.closed:
                state.idle.append(connection)
                return (nil, nil)
            case .connection(let connection):
                state.open -= 1
                return (nil, connection)
            case .slot:
                state.open -= 1
                return (nil, nil)
            }
        }
        leftover?.close()
        waiter?(.success(grant))
    }

    /// Fails a waiter that is still queued with `error`.
    func expire(_ id: UInt64, _ error: MarketError) {
        if let callback = remove(id) { callback(.failure(error)) }
    }

    /// Removes a queued waiter; false when it was already served.
    func withdraw(_ id: UInt64) -> Bool { remove(id) != nil }

    /// Idle connections, open connections and waiting callers, right now.
    var counts: (idle: Int, open: Int, waiting: Int) {
        state.withLock { ($0.idle.count, $0.open, $0.waiters.count) }
    }

    /// Stops lending: fails every waiter and returns the idle connections for closing.
    func close() -> [PostgresConnection] {
        let (waiters, idle) = state.withLock { state in
            state.closed = true
            defer {
                state.waiters = []
                state.open -= state.idle.count
                state.idle = []
            }
            return (state.waiters.map(\.callback), state.idle)
        }
        for callback in waiters {
            callback(.failure(MarketError(.databaseUnavailable, "the database pool is shut down", fix: "the host is stopping; retry on another replica")))
        }
        return idle
    }

    private func remove(_ id: UInt64) -> Callback? {
        state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index).callback
        }
    }
}

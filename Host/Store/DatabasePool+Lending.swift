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
        var phase = Phase.notStarted
        /// Shutdowns waiting for the last lent connection to come back.
        var drainWaiters: [CheckedContinuation<Void, Never>] = []

        var closed: Bool { phase == .closed }
    }

    /// Lending begins at `open()` and ends for good at `close()`.
    enum Phase: Sendable { case notStarted, open, closed }

    private let size: Int
    private let state = Mutex(State())

    init(size: Int) { self.size = size }

    /// Grants at once when it can; otherwise queues `callback` and returns its id (for `expire`
    /// and `withdraw`).
    func acquire(_ callback: @escaping Callback) -> UInt64? {
        enum Decision { case granted(Grant), refused(Phase), queued(UInt64) }
        let decision: Decision = state.withLock { state in
            if state.phase != .open { return .refused(state.phase) }
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
        case .refused(.notStarted):
            callback(.failure(Self.notStarted))
            return nil
        case .refused:
            callback(.failure(Self.shutDown))
            return nil
        case .queued(let id):
            return id
        }
    }

    /// The refusal of a caller that comes after `close()`.
    static let shutDown = MarketError(.databaseUnavailable, "the database pool is shut down and takes no new work",
                                      fix: "the host is stopping; retry on another replica")
    /// The refusal of a caller that comes before `open()`: a defect of the code that made the pool.
    static let notStarted = MarketError(.databaseUnavailable, "the database pool is not started",
                                        fix: "start the pool (run it as a service, or call start()) before using it")

    /// Starts lending; false when lending has already begun or ended.
    func open() -> Bool {
        state.withLock { state in
            guard state.phase == .notStarted else { return false }
            state.phase = .open
            return true
        }
    }

    /// Returns a connection (or, for a closed one, its slot) to the first waiter, or keeps it.
    func giveBack(_ grant: Grant) {
        let (waiter, leftover, drained): (Callback?, PostgresConnection?, [CheckedContinuation<Void, Never>]) = state.withLock { state in
            let (waiter, leftover) = Self.hand(grant, &state)
            guard state.closed, state.open == 0 else { return (waiter, leftover, []) }
            defer { state.drainWaiters = [] }
            return (waiter, leftover, state.drainWaiters)
        }
        leftover?.close()
        waiter?(.success(grant))
        for shutdown in drained { shutdown.resume() }
    }

    private static func hand(_ grant: Grant, _ state: inout State) -> (Callback?, PostgresConnection?) {
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

    /// Stops lending for good: fails every waiter and returns the idle connections for closing,
    /// and whether lending had begun (so the caller knows whether its threads were started).
    func close() -> (idle: [PostgresConnection], wasOpen: Bool) {
        let (waiters, idle, wasOpen, drained) = state.withLock { state in
            let wasOpen = state.phase == .open
            state.phase = .closed
            let waiters = state.waiters.map(\.callback)
            let idle = state.idle
            state.waiters = []
            state.open -= idle.count
            state.idle = []
            let drained = state.open == 0 ? state.drainWaiters : []
            if state.open == 0 { state.drainWaiters = [] }
            return (waiters, idle, wasOpen, drained)
        }
        for callback in waiters { callback(.failure(Self.shutDown)) }
        for shutdown in drained { shutdown.resume() }
        return (idle, wasOpen)
    }

    /// Returns once `close()` has been called and every lent connection has come back.
    func drained() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                guard state.closed, state.open == 0 else {
                    state.drainWaiters.append(continuation)
                    return false
                }
                return true
            }
            if done { continuation.resume() }
        }
    }

    private func remove(_ id: UInt64) -> Callback? {
        state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index).callback
        }
    }
}

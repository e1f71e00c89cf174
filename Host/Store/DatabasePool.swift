import Dispatch
import Logging
import MarketCore
import NIOPosix
import Synchronization

/// A fixed number of connections to one database, lent to one caller at a time.
///
/// Work runs on the pool's own threads (one per connection), never on Swift's cooperative pool.
/// Callers wait in order of arrival when every connection is busy, and give up with
/// `DB_UNAVAILABLE` after `acquireTimeout`. A connection that breaks, or is returned inside a
/// transaction, is closed and replaced on demand. Connections are opened lazily.
///
/// A pool does nothing until started: `run()` (as a `Service` in a `ServiceGroup`) or `start()`
/// starts its threads, and `shutdown()` (or the group's graceful shutdown) drains it: new work
/// is refused with `DB_UNAVAILABLE`, work in flight finishes, then the threads stop.
public final class DatabasePool: Sendable {
    /// The pool's size and patience.
    public struct Configuration: Sendable {
        /// How many connections the pool holds at most.
        public var size: Int
        /// How long a caller waits for a free connection.
        public var acquireTimeout: Duration

        public init(size: Int = 4, acquireTimeout: Duration = .seconds(10)) {
            self.size = max(1, size)
            self.acquireTimeout = acquireTimeout
        }
    }

    /// The size and acquire timeout the pool was made with.
    public let configuration: Configuration

    /// A snapshot of the pool's use, for metrics and readiness checks.
    public struct Statistics: Sendable, Equatable {
        /// Connections open and not lent.
        public let idle: Int
        /// Connections open or being opened, lent or not.
        public let open: Int
        /// Callers waiting for a connection.
        public let waiting: Int
    }

    /// How the pool is used right now.
    public var statistics: Statistics {
        let counts = lending.counts
        return Statistics(idle: counts.idle, open: counts.open, waiting: counts.waiting)
    }
    private let connectionString: String
    private let threads: NIOThreadPool
    private let lending: Lending
    private let logger: Logger

    /// - Parameter connectionString: a libpq URL or `key=value` string (see `DatabaseLocation`).
    public init(connectionString: String, configuration: Configuration = Configuration(), logger: Logger) {
        self.connectionString = connectionString
        self.configuration = configuration
        self.logger = logger
        lending = Lending(size: configuration.size)
        // Threads start with the pool (`start()`), not here: making a pool costs nothing.
        threads = NIOThreadPool(numberOfThreads: configuration.size)
    }

    /// Starts the pool's threads and lending; does nothing when it is started or shut down.
    public func start() {
        if lending.open() { threads.start() }
    }

    /// Runs `body` with a connection, on one of the pool's threads.
    public func withConnection<Value: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> Value) async throws -> Value {
        let grant = try await acquire()
        let started = WorkStarted()
        do {
            return try await threads.runIfActive { [self] in
                started.mark()
                return try use(grant, body)
            }
        } catch {
            // The thread pool skips the work of a task cancelled before its turn (and all work
            // once it stops): then `use` never ran to hand the grant back, and a pool that lost
            // one would wait for it forever at shutdown.
            if !started.marked { lending.giveBack(grant) }
            if error is NIOThreadPoolError.ThreadPoolInactive { throw Lending.shutDown }
            throw error
        }
    }

    /// Runs `body` in a transaction on one of the pool's threads: committed when `body` returns,
    /// rolled back when it throws.
    /// - Parameter preferringIndexLookups: see `PostgresConnection.preferIndexLookups()`.
    public func transaction<Value: Sendable>(preferringIndexLookups: Bool = false,
                                             _ body: @escaping @Sendable (PostgresConnection) throws -> Value) async throws -> Value {
        try await withConnection { connection in try connection.transaction(preferringIndexLookups: preferringIndexLookups, body) }
    }

    /// Runs one statement with bound parameters.
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> QueryResult {
        try await withConnection { connection in try connection.query(sql, parameters) }
    }

    /// Runs `body` with a connection on the calling thread, which it blocks while waiting.
    /// For callers on threads of their own (plugin calls); async code uses `withConnection`.
    public func withConnectionBlocking<Value>(_ body: (PostgresConnection) throws -> Value) throws -> Value {
        let waiter = BlockingWaiter()
        let id = lending.acquire { waiter.finish($0) }
        let timeout = id.map(scheduleTimeout)
        defer { timeout?.cancel() }
        return try use(try waiter.wait(), body)
    }

    /// Drains the pool: refuses new work and fails waiting callers (`DB_UNAVAILABLE`), closes
    /// idle connections, waits for the work in flight (async or blocking) to return its
    /// connections, which close then, and stops the threads. Returns at once when already shut down.
    public func shutdown() async {
        let (idle, wasOpen) = lending.close()
        for connection in idle { connection.close() }
        await lending.drained()
        if wasOpen { try? await threads.shutdownGracefully() }
    }

    private func acquire() async throws -> Lending.Grant {
        let waiter = AsyncWaiter()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiter.attach(continuation)
                let id = lending.acquire { waiter.finish($0) }
                waiter.setID(id)
                if let id { waiter.setTimeout(scheduleTimeout(id)) }
            }
        } onCancel: {
            if let id = waiter.id, lending.withdraw(id) { waiter.finish(.failure(CancellationError())) }
        }
    }

    /// Fails the waiter `id` once the acquire timeout passes; cancelled when it is served.
    private func scheduleTimeout(_ id: UInt64) -> CancellableTimer {
        let timeout = configuration.acquireTimeout
        let size = configuration.size
        return CancellableTimer(after: timeout) { [lending] in
            lending.expire(id, MarketError(.databaseUnavailable, "no database connection became free within \(timeout) (all \(size) are in use)",
                                           fix: "raise the pool size, or look for long transactions in pg_stat_activity"))
        }
    }

    /// Opens a connection in a slot this caller holds, giving the slot back if that fails.
    private func open() throws -> PostgresConnection {
        do {
            return try PostgresConnection.connect(connectionString)
        } catch {
            lending.giveBack(.slot)
            throw error
        }
    }

    /// Opens a connection for a slot grant, runs `body`, and hands the connection back (or
    /// closes it if it cannot be reused).
    private func use<Value>(_ grant: Lending.Grant, _ body: (PostgresConnection) throws -> Value) throws -> Value {
        let connection: PostgresConnection
        switch grant {
        case .connection(let lent) where lent.isReusable:
            connection = lent
        case .connection(let broken):
            // Closed by the server while idle (a restart, an administrator): replace it.
            logger.info("replacing a database connection the server closed")
            broken.close()
            connection = try open()
        case .slot:
            connection = try open()
        }
        defer {
            if connection.isReusable {
                lending.giveBack(.connection(connection))
            } else {
                logger.info("closing a database connection that broke or was left in a transaction")
                connection.close()
                lending.giveBack(.slot)
            }
        }
        return try body(connection)
    }
}

/// Whether a closure submitted to the thread pool began.
private final class WorkStarted: Sendable {
    private let flag = Atomic<Bool>(false)
    var marked: Bool { flag.load(ordering: .acquiring) }
    func mark() { flag.store(true, ordering: .releasing) }
}

/// A continuation resumed exactly once, whichever of grant, timeout or cancellation comes first.
private final class AsyncWaiter: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Lending.Grant, any Error>?
        var id: UInt64?
        var done = false
        var timeout: CancellableTimer?
    }

    private let state = Mutex(State())

    var id: UInt64? { state.withLock { $0.id } }

    func setID(_ id: UInt64?) { state.withLock { $0.id = id } }

    /// The timer that fails this waiter; cancelled once it is served (at once if it was).
    func setTimeout(_ timer: CancellableTimer) {
        let served = state.withLock { state in
            if !state.done { state.timeout = timer }
            return state.done
        }
        if served { timer.cancel() }
    }

    func attach(_ continuation: CheckedContinuation<Lending.Grant, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func finish(_ result: Result<Lending.Grant, any Error>) {
        let (continuation, timeout) = state.withLock { state -> (CheckedContinuation<Lending.Grant, any Error>?, CancellableTimer?) in
            guard !state.done else { return (nil, nil) }
            state.done = true
            defer { state.timeout = nil }
            return (state.continuation, state.timeout)
        }
        timeout?.cancel()
        continuation?.resume(with: result)
    }
}

/// Blocks a thread until a grant, timeout or shutdown arrives.
private final class BlockingWaiter: Sendable {
    private let result = Mutex<Result<Lending.Grant, any Error>?>(nil)
    private let semaphore = DispatchSemaphore(value: 0)

    func finish(_ outcome: Result<Lending.Grant, any Error>) {
        let first = result.withLock { result in
            guard result == nil else { return false }
            result = outcome
            return true
        }
        if first { semaphore.signal() }
    }

    func wait() throws -> Lending.Grant {
        semaphore.wait()
        guard let outcome = result.withLock({ $0 }) else {
            throw MarketError(.databaseUnavailable, "the pool released a waiter without an outcome", fix: "report this as a bug")
        }
        return try outcome.get()
    }
}

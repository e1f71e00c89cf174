import NIOPosix

/// Threads for the channel's blocking calls (the long poller's PostgreSQL session, which holds
/// its bot's advisory lock), so they never hold one of Swift's few cooperative threads. Bot
/// API calls do not need them: they run on `CurlMultiLoop`'s thread.
enum Blocking {
    static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await threads.runIfActive(work)
    }
}

import NIOPosix

/// Threads for the channel's blocking C calls (libcurl), so they never hold one of Swift's few
/// cooperative threads. Long polls park a thread for up to their timeout, so the pool is sized
/// for a handful of bots polling at once plus replies being sent.
enum Blocking {
    static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 8)
        pool.start()
        return pool
    }()

    static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await threads.runIfActive(work)
    }
}

import Foundation
import NIOPosix

/// Threads for the channel's blocking C calls (libcurl), so they never hold one of Swift's few
/// cooperative threads. Short calls share a pool; long polls, which park a thread for up to
/// their timeout, get a thread of their own so that they never starve replies.
enum Blocking {
    static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 8)
        pool.start()
        return pool
    }()

    static func run<Value: Sendable>(long: Bool = false, _ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        guard long else { return try await threads.runIfActive(work) }
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }
}

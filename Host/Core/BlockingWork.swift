import Foundation
import NIOPosix

/// Runs blocking work (libarchive, libcurl, file I/O, libpq sessions opened for a moment) off
/// Swift's cooperative pool, so async callers never hold one of its few threads meanwhile.
///
/// Work that is busy while it blocks goes to `run`, one shared pool of `threadCount` threads:
/// extra work waits for a free thread rather than starting one of its own. Waits that last as
/// long as someone outside the host takes (an operator's answer at a prompt, a child process
/// that may hang until its timeout) go to `runOnOwnThread` instead, so they can never fill the
/// pool and stall the work queued behind them.
public enum BlockingWork {
    /// The shared pool's size: 8, above the cores of a small machine because most of this work
    /// waits on disks and networks (a registry download holds its thread while bytes arrive),
    /// and small enough that a burst of calls queues instead of starting hundreds of threads.
    public static let threadCount = 8

    /// Started on first use and never stopped: it serves the whole process.
    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: threadCount)
        pool.start()
        return pool
    }()

    /// Runs `work` on the shared pool and returns its result.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(work)
    }

    /// Runs `work`, which waits on something outside the host for an unbounded time, on a
    /// thread of its own rather than the shared pool.
    public static func runOnOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}

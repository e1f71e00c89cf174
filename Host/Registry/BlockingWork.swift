import Foundation

/// Runs blocking work (libarchive, libcurl, large file I/O) on a thread of its own, so async
/// callers never hold one of Swift's few cooperative threads while it runs.
public enum BlockingWork {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}

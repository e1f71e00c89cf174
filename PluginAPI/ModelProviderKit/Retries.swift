import Foundation
import PluginKit

/// A failed attempt worth repeating, with the error to report if no attempt is left.
public struct RetryableFailure: Error {
    public let error: PluginError

    public init(_ error: PluginError) {
        self.error = error
    }
}

/// How a provider repeats failed requests: up to `maxRetries` more attempts, waiting what the
/// server asked for or an exponential backoff with jitter, never past the call's deadline.
public struct RetryPolicy {
    public let maxRetries: Int
    /// A server asking for a longer pause than this (ms) gets its answer passed on instead of a
    /// retry, so the caller can decide (and tell the user) rather than sit waiting.
    public let longestWait: UInt32

    public init(maxRetries: Int, longestWait: UInt32 = 5_000) {
        self.maxRetries = min(max(maxRetries, 0), 5)
        self.longestWait = longestWait
    }

    /// Runs `attempt` until it succeeds, throws something other than `RetryableFailure`, or the
    /// retries are spent.
    public func run<Result>(context: CallContext, log: (Int, String) -> Void, _ attempt: () throws -> Result) throws -> Result {
        var count = 0
        while true {
            try context.checkCancellation()
            do {
                return try attempt()
            } catch let failure as RetryableFailure where count < maxRetries && failure.error.retryAfterMilliseconds <= longestWait {
                count += 1
                try pause(before: count, asked: failure.error.retryAfterMilliseconds, context: context)
                log(count, failure.error.message)
            } catch let failure as RetryableFailure {
                throw failure.error
            }
        }
    }

    private func pause(before attempt: Int, asked: UInt32, context: CallContext) throws {
        let backoff = asked > 0 ? Double(asked) / 1000 : 0.5 * pow(2, Double(attempt - 1)) * Double.random(in: 0.8...1.2)
        if let deadline = context.deadlineNanoseconds {
            let left = (Double(deadline) - Double(monotonicNanoseconds())) / 1e9
            guard left > backoff else { throw PluginError(.timeout, "no time left to retry the model request") }
        }
        var waited = 0.0
        while waited < backoff {
            try context.checkCancellation()
            let step = min(0.05, backoff - waited)
            usleep(UInt32(step * 1_000_000))
            waited += step
        }
    }

    /// Whether an HTTP status is worth another attempt (408, 409, 429 and 5xx).
    public static func isRetryable(_ status: Int) -> Bool {
        status == 408 || status == 409 || status == 429 || status >= 500
    }

    /// The wait the vendor asks for (PluginKit's `RetryAfter`) in milliseconds, at most an hour;
    /// 0 when it asks none.
    public static func retryAfter(_ headers: [String: String]) -> UInt32 {
        UInt32(min(RetryAfter.milliseconds(headers) ?? 0, 3_600_000))
    }
}

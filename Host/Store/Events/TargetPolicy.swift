import Foundation
import MarketCore

/// How target rows (market.targets/1) are retried, paused and disabled; docs/webhooks.md
/// explains each rule.
public struct TargetPolicy: Sendable, Equatable {
    /// When a failed target row is tried again; its last attempt makes it dead (`delivery.dead`).
    public var retries: RetrySchedule
    /// Failures in a row after which the target is paused (the circuit breaker opens).
    public var breakerFailures: Int
    /// The first pause; each time the breaker opens again without a success in between, the
    /// pause doubles, up to `breakerBackoffLimit`.
    public var breakerBackoff: Duration
    public var breakerBackoffLimit: Duration
    /// A target failing without a single success for this long is disabled (`target.disabled`).
    public var disableAfter: Duration
    /// How far ahead of now a claim hands out rate-limit slots.
    public var rateWindow: Duration

    public init(retries: RetrySchedule = .webhooks, breakerFailures: Int = 5, breakerBackoff: Duration = .seconds(5),
                breakerBackoffLimit: Duration = .seconds(3600), disableAfter: Duration = .seconds(5 * 86400), rateWindow: Duration = .seconds(1)) {
        self.retries = retries
        self.breakerFailures = max(1, breakerFailures)
        self.breakerBackoff = max(breakerBackoff, .milliseconds(1))
        self.breakerBackoffLimit = max(breakerBackoffLimit, self.breakerBackoff)
        self.disableAfter = disableAfter
        self.rateWindow = max(rateWindow, .milliseconds(100))
    }
}

extension RetrySchedule {
    /// The Standard Webhooks schedule: immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h,
    /// 10 h and 10 h; eight attempts over about a day and a half.
    public static let webhooks = RetrySchedule(retryDelays: [
        .seconds(5), .seconds(5 * 60), .seconds(30 * 60), .seconds(2 * 3600), .seconds(5 * 3600), .seconds(10 * 3600), .seconds(10 * 3600),
    ])

    /// A schedule written as the times of each attempt after the previous one, in seconds,
    /// comma-separated, the first being the first attempt's (always 0): "0,5,300,1800".
    /// - Throws: `RETRY_SCHEDULE_INVALID` naming what is wrong.
    public init(attemptTimes text: String, jitter: Double = 0.1) throws {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let numbers = parts.map { Double($0) }
        guard !parts.isEmpty, numbers.allSatisfy({ $0.map { $0.isFinite && $0 >= 0 } ?? false }) else {
            throw MarketError(.retryScheduleInvalid, "'\(text.prefix(200))' is not a list of seconds",
                              fix: "write the waits before each attempt, comma-separated, starting with 0: 0,5,300,1800")
        }
        guard numbers[0] == 0 else {
            throw MarketError(.retryScheduleInvalid, "the first attempt is made at once, so the schedule starts with 0",
                              fix: "write 0 first: 0,5,300,1800")
        }
        self.init(retryDelays: numbers.dropFirst().map { .milliseconds(Int64(($0 ?? 0) * 1000)) }, jitter: jitter)
    }
}

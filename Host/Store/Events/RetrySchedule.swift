import MarketCore

/// When a failed delivery is tried again, and when it is given up. The first attempt is made as
/// soon as a worker is free; after a failed attempt `n` (1-based) the next waits
/// `retryDelays[n - 1]`, stretched or shortened by up to `jitter` of itself so that deliveries
/// that failed together do not all come back together. After `maximumAttempts` the delivery
/// is dead.
public struct RetrySchedule: Sendable, Equatable {
    /// The waits after each failed attempt.
    public let retryDelays: [Duration]
    /// The fraction (0...1) by which each wait may randomly vary either way.
    public let jitter: Double

    public init(retryDelays: [Duration], jitter: Double = 0.1) {
        self.retryDelays = retryDelays.map { max($0, .zero) }
        self.jitter = min(max(jitter, 0), 1)
    }

    /// Immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h: ten
    /// attempts over about three days, in the spirit of Standard Webhooks senders.
    public static let standard = RetrySchedule(retryDelays: [
        .seconds(5), .seconds(5 * 60), .seconds(30 * 60), .seconds(2 * 3600), .seconds(5 * 3600),
        .seconds(10 * 3600), .seconds(14 * 3600), .seconds(20 * 3600), .seconds(24 * 3600),
    ])

    /// Every attempt, the first included.
    public var maximumAttempts: Int { retryDelays.count + 1 }

    /// The wait before the attempt after failed attempt `attempt` (1-based), in seconds with
    /// jitter applied, or nil when that was the last attempt.
    public func delay(afterAttempt attempt: Int) -> Double? {
        guard attempt >= 1, attempt <= retryDelays.count else { return nil }
        let base = retryDelays[attempt - 1].inSeconds
        guard jitter > 0, base > 0 else { return base }
        return base * Double.random(in: (1 - jitter)...(1 + jitter))
    }
}

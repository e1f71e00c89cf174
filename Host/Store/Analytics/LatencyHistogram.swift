import Foundation

/// Reply latencies counted in fixed logarithmic buckets, as the `analytics_latency` rollup
/// keeps them: bucket 0 holds 0 ms, bucket b ≥ 1 holds [1.1^(b-1), 1.1^b) ms (the SQL function
/// `analytics_latency_bucket`, migration 14). A day's histogram is a few dozen counters however
/// many replies it had, and histograms of days and channels add up exactly.
///
/// A percentile is the representative of the bucket holding the nearest-rank value: the
/// bucket's geometric middle, 1.1^(b-0.5) ms. The exact value lies in the same bucket, so the
/// reported one is within a factor √1.1 of it: less than 4.9 % off (`relativeError`).
public struct LatencyHistogram: Sendable, Equatable {
    /// The ratio of a bucket's upper bound to its lower one.
    public static let ratio = 1.1
    /// The bound on a percentile's relative error: √1.1 − 1 ≈ 0.0488.
    public static let relativeError = ratio.squareRoot() - 1

    /// Counts by bucket index.
    public private(set) var counts: [Int]

    public init(counts: [Int] = []) {
        self.counts = counts
    }

    /// Replies counted.
    public var total: Int { counts.reduce(0, +) }

    /// The bucket of a latency, as the SQL function computes it.
    public static func bucket(milliseconds: Double) -> Int {
        milliseconds < 1 ? 0 : 1 + Int((log(milliseconds) / log(ratio)).rounded(.down))
    }

    /// The value reported for a bucket: 0 for bucket 0, else its geometric middle.
    public static func representative(bucket: Int) -> Double {
        bucket == 0 ? 0 : pow(ratio, Double(bucket) - 0.5)
    }

    public mutating func add(bucket: Int, count: Int) {
        guard bucket >= 0, count > 0 else { return }
        if counts.count <= bucket { counts += Array(repeating: 0, count: bucket + 1 - counts.count) }
        counts[bucket] += count
    }

    public mutating func add(_ other: LatencyHistogram) {
        for (bucket, count) in other.counts.enumerated() { add(bucket: bucket, count: count) }
    }

    /// The `p` quantile (0 < p ≤ 1) by nearest rank, or nil when nothing was counted.
    public func percentile(_ p: Double) -> Double? {
        let total = total
        guard total > 0 else { return nil }
        let rank = max(1, Int((p * Double(total)).rounded(.up)))
        var seen = 0
        for (bucket, count) in counts.enumerated() {
            seen += count
            if seen >= rank { return Self.representative(bucket: bucket) }
        }
        return Self.representative(bucket: counts.count - 1)
    }
}

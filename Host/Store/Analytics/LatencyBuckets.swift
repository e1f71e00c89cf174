import Foundation

/// The fixed logarithmic buckets the `analytics_latency` rollup counts reply latencies in:
/// bucket 0 holds 0 ms, bucket b ≥ 1 holds [1.1^(b-1), 1.1^b) ms (the SQL function
/// `analytics_latency_bucket`, migration 13). A day's histogram is a few dozen counters however
/// many replies it had, and histograms of days and channels add up exactly.
///
/// A percentile is reported as the representative of the bucket holding the nearest-rank value:
/// the bucket's geometric middle, 1.1^(b-0.5) ms. The exact value lies in the same bucket, so
/// the reported one is within a factor √1.1 of it: less than 4.9 % off (`relativeError`).
public enum LatencyBuckets {
    /// The ratio of a bucket's upper bound to its lower one.
    public static let ratio = 1.1
    /// The bound on a percentile's relative error: √1.1 − 1 ≈ 0.0488.
    public static let relativeError = ratio.squareRoot() - 1

    /// The value reported for a bucket: 0 for bucket 0, else its geometric middle.
    public static func representative(bucket: Int) -> Double {
        bucket == 0 ? 0 : pow(ratio, Double(bucket) - 0.5)
    }
}

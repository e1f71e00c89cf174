/// Welch's unequal-variances t-test of two samples' means: t, the Welch–Satterthwaite degrees
/// of freedom and the two-sided p-value, I_{df/(df+t²)}(df/2, 1/2).
public struct WelchTest: Sendable, Equatable {
    /// A sample's size, mean and unbiased variance (n − 1 in the denominator).
    public struct Sample: Sendable, Equatable {
        public let count: Int
        public let mean: Double
        public let variance: Double

        public init(count: Int, mean: Double, variance: Double) {
            self.count = count
            self.mean = mean
            self.variance = variance
        }

        public init(values: [Double]) {
            count = values.count
            mean = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
            let mean = self.mean
            variance = values.count < 2 ? 0 : values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        }
    }

    /// The second sample's mean minus the first's.
    public let difference: Double
    public let t: Double
    public let degreesOfFreedom: Double
    public let pValue: Double

    /// Nil when a sample has fewer than two values, or both have no variance (t is undefined).
    public init?(_ first: Sample, _ second: Sample) {
        guard first.count >= 2, second.count >= 2 else { return nil }
        let spread1 = first.variance / Double(first.count)
        let spread2 = second.variance / Double(second.count)
        let standardError = (spread1 + spread2).squareRoot()
        guard standardError > 0 else { return nil }
        difference = second.mean - first.mean
        t = difference / standardError
        degreesOfFreedom = (spread1 + spread2) * (spread1 + spread2)
            / (spread1 * spread1 / Double(first.count - 1) + spread2 * spread2 / Double(second.count - 1))
        pValue = min(1, IncompleteBeta.regularized(x: degreesOfFreedom / (degreesOfFreedom + t * t), a: degreesOfFreedom / 2, b: 0.5))
    }
}

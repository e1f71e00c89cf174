import Foundation

/// A rate's posterior under a Beta(1, 1) prior after `successes` of `trials`: Beta(s + 1, f + 1).
public struct BetaPosterior: Sendable, Equatable {
    public let successes: Int
    public let failures: Int

    public init(successes: Int, failures: Int) {
        self.successes = max(0, successes)
        self.failures = max(0, failures)
    }

    var alpha: Double { Double(successes + 1) }
    var beta: Double { Double(failures + 1) }

    /// The posterior mean, (s + 1) / (n + 2).
    public var mean: Double { alpha / (alpha + beta) }

    /// The equal-tailed credible interval holding `mass` of the posterior (0.95: the 2.5 % and
    /// 97.5 % quantiles).
    public func credibleInterval(_ mass: Double = 0.95) -> (lower: Double, upper: Double) {
        let tail = (1 - mass) / 2
        return (IncompleteBeta.inverse(p: tail, a: alpha, b: beta), IncompleteBeta.inverse(p: 1 - tail, a: alpha, b: beta))
    }

    /// P(this rate > `control`'s rate), exactly: for integer α of this posterior,
    /// Σ_{i=0}^{α−1} B(α_c + i, β_c + β) / ((β + i) · B(1 + i, β) · B(α_c, β_c))
    /// (Evan Miller, "Formulas for Bayesian A/B testing"), summed in logs. Its cost is α terms.
    public func probabilityToBeat(_ control: BetaPosterior) -> Double {
        var total = 0.0
        for i in 0..<successes + 1 {
            let i = Double(i)
            total += exp(IncompleteBeta.logBeta(control.alpha + i, control.beta + beta) - log(beta + i)
                         - IncompleteBeta.logBeta(1 + i, beta) - IncompleteBeta.logBeta(control.alpha, control.beta))
        }
        return min(1, max(0, total))
    }
}

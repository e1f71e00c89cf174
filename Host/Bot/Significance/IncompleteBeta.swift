import Foundation

/// The regularized incomplete beta function I_x(a, b) and what is built on it: Student's t
/// tail for Welch's test and the quantiles of Beta posteriors. Deterministic (no sampling), so
/// a report reads the same every time.
enum IncompleteBeta {
    /// ln B(a, b).
    static func logBeta(_ a: Double, _ b: Double) -> Double {
        lgamma(a) + lgamma(b) - lgamma(a + b)
    }

    /// I_x(a, b) for a, b > 0, by the continued fraction (Numerical Recipes, "betai"), taken on
    /// the side where it converges fast. Accurate to about 1e-12 here.
    static func regularized(x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let front = exp(a * log(x) + b * log1p(-x) - logBeta(a, b))
        if x < (a + 1) / (a + b + 2) {
            return front * continuedFraction(x: x, a: a, b: b) / a
        }
        return 1 - front * continuedFraction(x: 1 - x, a: b, b: a) / b
    }

    /// The continued fraction of I_x(a, b), evaluated by the modified Lentz method.
    private static func continuedFraction(x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        let epsilon = 1e-15
        func guarded(_ value: Double) -> Double { abs(value) < tiny ? tiny : value }
        var c = 1.0
        var d = 1 / guarded(1 - (a + b) * x / (a + 1))
        var result = d
        // Terms needed grow like √max(a, b): 100,000 covers samples of billions.
        for m in 1...100_000 {
            let m = Double(m)
            let even = m * (b - m) * x / ((a - 1 + 2 * m) * (a + 2 * m))
            d = 1 / guarded(1 + even * d)
            c = guarded(1 + even / c)
            result *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 1 + 2 * m))
            d = 1 / guarded(1 + odd * d)
            c = guarded(1 + odd / c)
            let step = d * c
            result *= step
            if abs(step - 1) < epsilon { break }
        }
        return result
    }

    /// The x with I_x(a, b) = p, by bisection (I_x is increasing in x): 200 halvings reach
    /// the limit of a Double.
    static func inverse(p: Double, a: Double, b: Double) -> Double {
        var low = 0.0
        var high = 1.0
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if middle == low || middle == high { break }
            if regularized(x: middle, a: a, b: b) < p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}

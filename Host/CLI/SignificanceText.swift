import Foundation
import MarketBot

/// `market experiments report`'s text for one variant against the control.
enum SignificanceText {
    static func lines(_ comparison: VariantComparison) -> [String] {
        let feedback = comparison.feedback
        let (lower, upper) = feedback.variant.credibleInterval()
        let (controlLower, controlUpper) = feedback.control.credibleInterval()
        var lines = ["\(comparison.variant) vs \(comparison.control) (control)"]
        lines.append(String(format: "  👍 rate %.1f%% (95%% CI %.1f–%.1f%%) vs %.1f%% (%.1f–%.1f%%); P(beats control) %.3f: ",
                            feedback.variant.mean * 100, lower * 100, upper * 100,
                            feedback.control.mean * 100, controlLower * 100, controlUpper * 100, feedback.probabilityToBeatControl)
                     + verdict(feedback.verdict, feedback.sample, higher: "better", lower: "worse"))
        lines.append("  latency  " + means(comparison.latency, unit: "ms", higher: "slower", lower: "faster"))
        lines.append("  tokens   " + means(comparison.tokens, unit: "tokens/answer", higher: "more", lower: "fewer"))
        return lines
    }

    static func means(_ means: VariantComparison.Means, unit: String, higher: String, lower: String) -> String {
        let figures = means.test.map {
            String(format: "%+.1f ", $0.difference) + unit + String(format: ", t = %.3f, df = %.1f, ", $0.t, $0.degreesOfFreedom)
                + ($0.pValue < 0.001 ? "p < 0.001: " : String(format: "p = %.3f: ", $0.pValue))
        }
            ?? "no test yet (each arm needs two differing values): "
        return figures + verdict(means.verdict, means.sample, higher: higher, lower: lower)
    }

    static func verdict(_ verdict: VariantComparison.Verdict, _ sample: VariantComparison.SampleGuard, higher: String, lower: String) -> String {
        switch verdict {
        case .higher: higher
        case .lower: lower
        case .noDifference: "no clear difference"
        case .notEnoughData: sample.message
        }
    }
}

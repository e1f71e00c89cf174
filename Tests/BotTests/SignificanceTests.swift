import MarketBot
import Testing

/// The experiment report's statistics against published and independently computed values.
///
/// Welch: the two worked examples of Wikipedia's "Welch's t-test" article (t = −2.46, ν = 25.0,
/// p = 0.021 and t = −1.57, ν = 9.9, p = 0.149), with the full-precision figures from SciPy 1.17.1
/// (`scipy.stats.ttest_ind(a, b, equal_var=False)`). Beta-Binomial: probabilities to beat the
/// control computed offline with SciPy 1.17.1 by numerical integration,
/// `quad(lambda x: beta.pdf(x, a2, b2) * beta.cdf(x, a1, b1), 0, 1)`, and credible intervals
/// with `beta.ppf([0.025, 0.975], a, b)`; Beta(4, 2) against Beta(2, 4) is exactly 13/126.
@Suite struct SignificanceTests {
    static let wikipedia1 = ([27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4],
                             [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4])
    static let wikipedia2 = ([17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8],
                             [21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5,
                              23.5, 21.5, 21.8])

    static func close(_ value: Double, _ expected: Double, _ tolerance: Double = 0.0005) -> Bool { abs(value - expected) < tolerance }

    @Test func welchReproducesThePublishedExamples() throws {
        for (samples, t, df, p) in [(Self.wikipedia1, -2.455356398286006, 24.988529290231416, 0.021378001462866992),
                                    (Self.wikipedia2, -1.5654335235985037, 9.904741248650831, 0.14884169660532817)] {
            // The test's difference is second − first: Wikipedia's t is A1's mean minus A2's.
            let test = try #require(WelchTest(.init(values: samples.1), .init(values: samples.0)))
            #expect(Self.close(test.t, t) && Self.close(test.degreesOfFreedom, df) && Self.close(test.pValue, p),
                    "t \(test.t) df \(test.degreesOfFreedom) p \(test.pValue)")
        }
        let first = try #require(WelchTest(.init(values: Self.wikipedia1.1), .init(values: Self.wikipedia1.0)))
        #expect((first.t * 100).rounded() / 100 == -2.46 && (first.degreesOfFreedom * 10).rounded() / 10 == 25.0)
        #expect((first.pValue * 1000).rounded() / 1000 == 0.021)
        // Fewer than two values, or no variance at all: no test.
        #expect(WelchTest(.init(values: [1]), .init(values: [1, 2, 3])) == nil)
        #expect(WelchTest(.init(values: [5, 5]), .init(values: [5, 5, 5])) == nil)
    }

    @Test func betaBinomialMatchesIndependentIntegration() {
        // (control 👍, 👎, variant 👍, 👎, P(variant beats control), variant's 95 % interval)
        let cases: [(Int, Int, Int, Int, Double, (Double, Double))] = [
            (40, 60, 55, 45, 0.9828458862350181, (0.45221922, 0.6439984)),
            (12, 8, 9, 11, 0.17714906235826738, (0.25713063, 0.65979369)),
            (200, 300, 230, 270, 0.9722350242596502, (0.41677194, 0.50384749)),
            (3, 1, 1, 3, 13.0 / 126.0, (0.05274495, 0.71641794)),
        ]
        for (up, down, variantUp, variantDown, probability, interval) in cases {
            let control = BetaPosterior(successes: up, failures: down)
            let variant = BetaPosterior(successes: variantUp, failures: variantDown)
            #expect(Self.close(variant.probabilityToBeat(control), probability), "\(up)/\(down) vs \(variantUp)/\(variantDown)")
            let (lower, upper) = variant.credibleInterval()
            #expect(Self.close(lower, interval.0) && Self.close(upper, interval.1))
            // The two probabilities are complementary (ties have probability zero).
            #expect(Self.close(variant.probabilityToBeat(control) + control.probabilityToBeat(variant), 1, 1e-9))
        }
        #expect(BetaPosterior(successes: 1, failures: 3).mean == 2.0 / 6.0)
    }

    static func figures(_ name: String, up: Int, down: Int, latency: [Double], tokens: [Double]) -> ExperimentReport.VariantFigures {
        ExperimentReport.VariantFigures(variant: name, conversations: 1, messages: 1, latencyP50Milliseconds: nil, latencyP95Milliseconds: nil,
                                        promptTokens: 0, completionTokens: 0, toolCalls: 0, toolErrors: 0, feedbackUp: up, feedbackDown: down,
                                        latency: .init(values: latency), tokensPerAnswer: .init(values: tokens))
    }

    @Test func belowTheMinimumSampleThereIsNoVerdict() {
        let control = Self.figures("a", up: 3, down: 1, latency: Self.wikipedia1.0, tokens: Self.wikipedia2.0)
        let variant = Self.figures("b", up: 1, down: 3, latency: Self.wikipedia1.1, tokens: Self.wikipedia2.1)
        let comparison = VariantComparison(variant, control: control)
        #expect(comparison.feedback.verdict == .notEnoughData && comparison.feedback.sample.message == "not enough data yet: 4 of 30")
        #expect(comparison.latency.verdict == .notEnoughData && comparison.latency.sample.message == "not enough data yet: 15 of 30")
        #expect(comparison.tokens.verdict == .notEnoughData && comparison.tokens.sample.message == "not enough data yet: 10 of 30")
        // The figures are still computed; only the verdict waits.
        #expect(Self.close(comparison.feedback.probabilityToBeatControl, 13.0 / 126.0, 1e-9))
        #expect(Self.close(comparison.latency.test?.pValue ?? 0, 0.021378001462866992))

        // With the minimum met, the same data gives verdicts: B's latency is significantly
        // higher (p 0.021); its tokens are not (p 0.149).
        let lenient = VariantComparison(variant, control: control, minimumSample: 4)
        #expect(lenient.feedback.verdict == .noDifference)
        #expect(lenient.latency.verdict == .higher && lenient.tokens.verdict == .noDifference)
        let clear = VariantComparison(Self.figures("b", up: 55, down: 45, latency: [], tokens: []),
                                      control: Self.figures("a", up: 30, down: 70, latency: [], tokens: []))
        #expect(clear.feedback.verdict == .higher && clear.latency.verdict == .notEnoughData && clear.latency.test == nil)
    }
}

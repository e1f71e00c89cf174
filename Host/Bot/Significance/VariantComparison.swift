/// One variant against the experiment's control (its first variant): the 👍 rate's Beta
/// posterior and probability to beat the control, and Welch's t-test of model latency and of
/// tokens per model answer. Each comparison gives a verdict only once both arms have
/// `minimumSample` observations; before that it says how far along it is.
public struct VariantComparison: Sendable, Equatable {
    /// Observations each arm needs before a verdict: ratings for feedback, model answers for
    /// latency and tokens. Thirty is the usual floor for the t-test's normal approximation.
    public static let minimumSample = 30

    public enum Verdict: String, Sendable, Equatable {
        /// The variant's figure is significantly higher (or its 👍 rate beats the control's with
        /// probability ≥ 0.95) …
        case higher
        /// … or lower (probability to beat ≤ 0.05, or p < 0.05 with a lower mean).
        case lower
        case noDifference = "no_difference"
        case notEnoughData = "not_enough_data"
    }

    /// "not enough data yet: N of M": the smaller arm's observations against the minimum.
    public struct SampleGuard: Sendable, Equatable {
        public let have: Int
        public let need: Int
        public var message: String { "not enough data yet: \(have) of \(need)" }
        var passed: Bool { have >= need }
    }

    public struct Feedback: Sendable, Equatable {
        public let variant: BetaPosterior
        public let control: BetaPosterior
        /// P(the variant's 👍 rate > the control's), exact.
        public let probabilityToBeatControl: Double
        public let sample: SampleGuard
        public let verdict: Verdict
    }

    public struct Means: Sendable, Equatable {
        /// Nil when either arm has fewer than two values or no variance.
        public let test: WelchTest?
        public let sample: SampleGuard
        public let verdict: Verdict
    }

    public let variant: String
    public let control: String
    public let feedback: Feedback
    public let latency: Means
    public let tokens: Means

    /// Thresholds of the verdicts: a two-sided p below it, a probability to beat beyond it.
    public static let significance = 0.05

    public init(_ figures: ExperimentReport.VariantFigures, control: ExperimentReport.VariantFigures, minimumSample: Int = Self.minimumSample) {
        variant = figures.variant
        self.control = control.variant
        let posterior = BetaPosterior(successes: figures.feedbackUp, failures: figures.feedbackDown)
        let controlPosterior = BetaPosterior(successes: control.feedbackUp, failures: control.feedbackDown)
        let probability = posterior.probabilityToBeat(controlPosterior)
        let ratings = SampleGuard(have: min(figures.feedbackUp + figures.feedbackDown, control.feedbackUp + control.feedbackDown), need: minimumSample)
        let feedbackVerdict: Verdict = !ratings.passed ? .notEnoughData
            : probability >= 1 - Self.significance ? .higher : probability <= Self.significance ? .lower : .noDifference
        feedback = Feedback(variant: posterior, control: controlPosterior, probabilityToBeatControl: probability, sample: ratings, verdict: feedbackVerdict)
        latency = Self.means(control.latency, figures.latency, minimumSample: minimumSample)
        tokens = Self.means(control.tokensPerAnswer, figures.tokensPerAnswer, minimumSample: minimumSample)
    }

    static func means(_ control: WelchTest.Sample, _ variant: WelchTest.Sample, minimumSample: Int) -> Means {
        let test = WelchTest(control, variant)
        let sample = SampleGuard(have: min(control.count, variant.count), need: minimumSample)
        let verdict: Verdict = if !sample.passed { .notEnoughData } else if let test, test.pValue < significance {
            test.difference > 0 ? .higher : .lower
        } else { .noDifference }
        return Means(test: test, sample: sample, verdict: verdict)
    }
}

extension ExperimentReport {
    /// Every variant but the control, against the control (the experiment's first variant).
    public var comparisons: [VariantComparison] {
        guard let control = variants.first else { return [] }
        return variants.dropFirst().map { VariantComparison($0, control: control) }
    }
}

/// The JSON of a comparison, one shape for `market experiments report --json` and the API's
/// report: each variant's `significance` member (null on the control).
extension VariantComparison: Encodable {
    private enum Keys: String, CodingKey {
        case control, feedback, latencyMs = "latency_ms", tokens
        case rate, credibleInterval = "credible_interval_95", controlRate = "control_rate",
             controlCredibleInterval = "control_credible_interval_95", probabilityToBeatControl = "probability_to_beat_control"
        case difference, t, degreesOfFreedom = "degrees_of_freedom", pValue = "p_value"
        case sample, need, verdict, message
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(control, forKey: .control)
        var rates = container.nestedContainer(keyedBy: Keys.self, forKey: .feedback)
        try rates.encode(feedback.variant.mean, forKey: .rate)
        try rates.encode(Self.pair(feedback.variant.credibleInterval()), forKey: .credibleInterval)
        try rates.encode(feedback.control.mean, forKey: .controlRate)
        try rates.encode(Self.pair(feedback.control.credibleInterval()), forKey: .controlCredibleInterval)
        try rates.encode(feedback.probabilityToBeatControl, forKey: .probabilityToBeatControl)
        try Self.encode(feedback.sample, feedback.verdict, into: &rates)
        for (key, means) in [(Keys.latencyMs, latency), (Keys.tokens, tokens)] {
            var nested = container.nestedContainer(keyedBy: Keys.self, forKey: key)
            try nested.encode(means.test?.difference, forKey: .difference)
            try nested.encode(means.test?.t, forKey: .t)
            try nested.encode(means.test?.degreesOfFreedom, forKey: .degreesOfFreedom)
            try nested.encode(means.test?.pValue, forKey: .pValue)
            try Self.encode(means.sample, means.verdict, into: &nested)
        }
    }

    private static func encode(_ sample: SampleGuard, _ verdict: Verdict, into container: inout KeyedEncodingContainer<Keys>) throws {
        try container.encode(sample.have, forKey: .sample)
        try container.encode(sample.need, forKey: .need)
        try container.encode(verdict.rawValue, forKey: .verdict)
        try container.encode(verdict == .notEnoughData ? sample.message : nil, forKey: .message)
    }

    private static func pair(_ interval: (lower: Double, upper: Double)) -> [Double] { [interval.lower, interval.upper] }
}

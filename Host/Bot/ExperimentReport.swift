/// What `market experiments report` shows: each variant's figures, and (`comparisons`) each
/// variant against the control with its significance.
public struct ExperimentReport: Sendable, Equatable {
    public let experiment: Experiment
    public let variants: [VariantFigures]

    public struct VariantFigures: Sendable, Equatable {
        public let variant: String
        public let conversations: Int
        /// Messages users sent.
        public let messages: Int
        /// Model-call latency; nil when the variant has no model answers yet.
        public let latencyP50Milliseconds: Double?
        public let latencyP95Milliseconds: Double?
        public let promptTokens: Int
        public let completionTokens: Int
        public let toolCalls: Int
        public let toolErrors: Int
        public let feedbackUp: Int
        public let feedbackDown: Int
        /// Each model call's latency in ms (assistant rows with a latency), for Welch's test.
        public let latency: WelchTest.Sample
        /// Prompt + completion tokens of each model answer that reported them.
        public let tokensPerAnswer: WelchTest.Sample

        public init(variant: String, conversations: Int, messages: Int, latencyP50Milliseconds: Double?, latencyP95Milliseconds: Double?,
                    promptTokens: Int, completionTokens: Int, toolCalls: Int, toolErrors: Int, feedbackUp: Int, feedbackDown: Int,
                    latency: WelchTest.Sample, tokensPerAnswer: WelchTest.Sample) {
            self.variant = variant
            self.conversations = conversations
            self.messages = messages
            self.latencyP50Milliseconds = latencyP50Milliseconds
            self.latencyP95Milliseconds = latencyP95Milliseconds
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.toolCalls = toolCalls
            self.toolErrors = toolErrors
            self.feedbackUp = feedbackUp
            self.feedbackDown = feedbackDown
            self.latency = latency
            self.tokensPerAnswer = tokensPerAnswer
        }

        /// Tool errors / tool calls; nil without tool calls.
        public var toolErrorRate: Double? { toolCalls == 0 ? nil : Double(toolErrors) / Double(toolCalls) }
        public var tokens: Int { promptTokens + completionTokens }

        static func empty(_ name: String) -> VariantFigures {
            VariantFigures(variant: name, conversations: 0, messages: 0, latencyP50Milliseconds: nil, latencyP95Milliseconds: nil,
                           promptTokens: 0, completionTokens: 0, toolCalls: 0, toolErrors: 0, feedbackUp: 0, feedbackDown: 0,
                           latency: .init(count: 0, mean: 0, variance: 0), tokensPerAnswer: .init(count: 0, mean: 0, variance: 0))
        }
    }
}

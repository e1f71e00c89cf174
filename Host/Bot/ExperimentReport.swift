/// What `market experiments report` shows: each variant's figures.
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

        /// Tool errors / tool calls; nil without tool calls.
        public var toolErrorRate: Double? { toolCalls == 0 ? nil : Double(toolErrors) / Double(toolCalls) }
        public var tokens: Int { promptTokens + completionTokens }

        static func empty(_ name: String) -> VariantFigures {
            VariantFigures(variant: name, conversations: 0, messages: 0, latencyP50Milliseconds: nil, latencyP95Milliseconds: nil,
                           promptTokens: 0, completionTokens: 0, toolCalls: 0, toolErrors: 0, feedbackUp: 0, feedbackDown: 0)
        }
    }
}

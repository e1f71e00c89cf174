import MarketBot

/// The JSON answer to a message sent through the chat API (and the SSE `reply` event).
struct ChatReplyResource: Encodable {
    let conversationID: String
    let text: String
    let notices: [String]
    /// Model calls made (0 for a slash command's answer).
    let steps: Int
    let experiment: String?
    let variant: String?

    enum CodingKeys: String, CodingKey {
        case conversationID = "conversation_id", text, notices, steps, experiment, variant
    }

    init(_ reply: Reply) {
        conversationID = reply.conversationID
        text = reply.text
        notices = reply.notices
        steps = reply.steps
        experiment = reply.assignment?.experiment
        variant = reply.assignment?.variant
    }
}

/// A conversation's stored turns, oldest first.
struct ChatHistoryResource: Encodable {
    struct Turn: Encodable {
        let role: String
        let content: String
    }

    let conversationID: String
    let messages: [Turn]

    enum CodingKeys: String, CodingKey {
        case conversationID = "conversation_id", messages
    }
}

/// An experiment's figures per variant.
struct ExperimentReportResource: Encodable {
    struct Variant: Encodable {
        let variant: String
        let conversations: Int
        let messages: Int
        let latencyP50Milliseconds: Double?
        let latencyP95Milliseconds: Double?
        let promptTokens: Int
        let completionTokens: Int
        let toolCalls: Int
        let toolErrors: Int
        let feedbackUp: Int
        let feedbackDown: Int
        /// Against the control; null on the control itself.
        let significance: VariantComparison?

        enum CodingKeys: String, CodingKey {
            case variant, conversations, messages, latencyP50Milliseconds = "latency_p50_ms", latencyP95Milliseconds = "latency_p95_ms",
                 promptTokens = "prompt_tokens", completionTokens = "completion_tokens", toolCalls = "tool_calls",
                 toolErrors = "tool_errors", feedbackUp = "feedback_up", feedbackDown = "feedback_down", significance
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(variant, forKey: .variant)
            try container.encode(conversations, forKey: .conversations)
            try container.encode(messages, forKey: .messages)
            try container.encodeIfPresent(latencyP50Milliseconds, forKey: .latencyP50Milliseconds)
            try container.encodeIfPresent(latencyP95Milliseconds, forKey: .latencyP95Milliseconds)
            try container.encode(promptTokens, forKey: .promptTokens)
            try container.encode(completionTokens, forKey: .completionTokens)
            try container.encode(toolCalls, forKey: .toolCalls)
            try container.encode(toolErrors, forKey: .toolErrors)
            try container.encode(feedbackUp, forKey: .feedbackUp)
            try container.encode(feedbackDown, forKey: .feedbackDown)
            try container.encode(significance, forKey: .significance)
        }
    }

    let experiment: String
    let active: Bool
    let variants: [Variant]

    init(_ report: ExperimentReport) {
        experiment = report.experiment.id
        active = report.experiment.active
        let comparisons = Dictionary(report.comparisons.map { ($0.variant, $0) }) { first, _ in first }
        variants = report.variants.map { figures in
            Variant(variant: figures.variant, conversations: figures.conversations, messages: figures.messages,
                    latencyP50Milliseconds: figures.latencyP50Milliseconds, latencyP95Milliseconds: figures.latencyP95Milliseconds,
                    promptTokens: figures.promptTokens, completionTokens: figures.completionTokens, toolCalls: figures.toolCalls,
                    toolErrors: figures.toolErrors, feedbackUp: figures.feedbackUp, feedbackDown: figures.feedbackDown,
                    significance: comparisons[figures.variant])
        }
    }
}

/// One tenant's bot figures over some days and channels, as the rollups count them
/// (docs/analytics.md says which events count for each).
public struct AnalyticsFigures: Sendable, Equatable {
    /// `conversation.started` events.
    public var conversations = 0
    /// Users who sent a message, counted once a day: a day's distinct users; over several days
    /// the sum of the days' figures (user-days).
    public var activeUsers = 0
    /// Users whose first message the host ever stored fell in these days.
    public var newUsers = 0
    /// `message.received` events.
    public var messagesIn = 0
    /// `message.sent` events: one per reply.
    public var messagesOut = 0
    /// Replies whose `message.sent` says `fallback: true`: the model or a tool failed in them.
    public var fallbackReplies = 0
    /// `tool.called` events, and those with `ok: false`.
    public var toolCalls = 0
    public var toolErrors = 0
    /// `llm.completed` and `llm.failed` events.
    public var modelCalls = 0
    public var modelErrors = 0
    /// Token counts the model reported in `llm.completed`.
    public var promptTokens = 0
    public var completionTokens = 0
    /// Replies whose `message.sent` carried a `latency_ms`, and their nearest-rank p50 and p95
    /// as `LatencyBuckets` reports them (within 4.9 %); nil without such replies.
    public var timedReplies = 0
    public var latencyP50Milliseconds: Double?
    public var latencyP95Milliseconds: Double?

    public init() {}

    /// Active users who were not new.
    public var returningUsers: Int { activeUsers - newUsers }
    /// Fallback replies / replies; nil without replies.
    public var fallbackRate: Double? { messagesOut == 0 ? nil : Double(fallbackReplies) / Double(messagesOut) }
}

extension AnalyticsFigures: Encodable {
    enum CodingKeys: String, CodingKey {
        case conversations, activeUsers = "active_users", newUsers = "new_users", returningUsers = "returning_users"
        case messagesIn = "messages_in", messagesOut = "messages_out", fallbackReplies = "fallback_replies", fallbackRate = "fallback_rate"
        case toolCalls = "tool_calls", toolErrors = "tool_errors", modelCalls = "model_calls", modelErrors = "model_errors"
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
        case latencyP50 = "latency_p50_ms", latencyP95 = "latency_p95_ms"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(conversations, forKey: .conversations)
        try container.encode(activeUsers, forKey: .activeUsers)
        try container.encode(newUsers, forKey: .newUsers)
        try container.encode(returningUsers, forKey: .returningUsers)
        try container.encode(messagesIn, forKey: .messagesIn)
        try container.encode(messagesOut, forKey: .messagesOut)
        try container.encode(fallbackReplies, forKey: .fallbackReplies)
        // Absent values are written as null, so every figure is always present.
        try container.encode(fallbackRate, forKey: .fallbackRate)
        try container.encode(toolCalls, forKey: .toolCalls)
        try container.encode(toolErrors, forKey: .toolErrors)
        try container.encode(modelCalls, forKey: .modelCalls)
        try container.encode(modelErrors, forKey: .modelErrors)
        try container.encode(promptTokens, forKey: .promptTokens)
        try container.encode(completionTokens, forKey: .completionTokens)
        try container.encode(latencyP50Milliseconds.map(Self.rounded), forKey: .latencyP50)
        try container.encode(latencyP95Milliseconds.map(Self.rounded), forKey: .latencyP95)
    }

    /// Percentiles are good to 4.9 %: a tenth of a millisecond is more than enough.
    static func rounded(_ value: Double) -> Double { (value * 10).rounded() / 10 }
}

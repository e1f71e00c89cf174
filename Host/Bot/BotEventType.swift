/// The event types the engine publishes, in the order a reply produces them.
public enum BotEventType {
    public static let conversationStarted = "conversation.started"
    public static let messageReceived = "message.received"
    public static let llmCompleted = "llm.completed"
    public static let llmFailed = "llm.failed"
    public static let toolCalled = "tool.called"
    public static let messageSent = "message.sent"
    public static let feedbackReceived = "feedback.received"
}

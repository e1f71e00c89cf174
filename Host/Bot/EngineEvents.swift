import Dispatch
import Foundation
import MarketCore
import PluginRuntime

/// Publishes the engine's events through an `EventPublisher` on a queue of its own: a
/// publisher may block (the PostgreSQL outbox writes through libpq), which must not happen on
/// Swift's cooperative pool. Each call waits for its event, so events keep their order.
struct EngineEvents: Sendable {
    let publisher: any EventPublisher
    private let queue = DispatchQueue(label: "market.bot.events")

    init(publisher: any EventPublisher) {
        self.publisher = publisher
    }

    func publish(_ type: String, tenant: String, conversation: String, assignment: Assignment?, data: [String: JSONValue]) async throws {
        let event = EventEnvelope(type: type, tenantID: tenant, conversationID: conversation, experiment: assignment?.json,
                                  data: JSONValue.object(data).jsonText)
        let publisher = self.publisher
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async { continuation.resume(with: Result { try publisher.publish(event) }) }
        }
    }
}

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

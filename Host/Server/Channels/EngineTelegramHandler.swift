import Foundation
import Logging
import MarketBot
import MarketCore
import Synchronization
import TelegramChannel

/// Joins the Telegram channel to the conversation engine: each message becomes
/// `ConversationEngine.respond`, its reply streamed back; answers a model wrote get 👍 / 👎
/// buttons, whose presses are the engine's `/feedback` (so `feedback.received`).
///
/// The inbox processor already hands one message of a chat at a time, in order; the
/// conversation is keyed by bot and chat, so two bots of a tenant keep separate histories.
public struct EngineTelegramHandler: TelegramMessageHandler {
    /// The button data of the feedback buttons (Telegram returns it verbatim).
    public static let feedbackUp = "feedback:up"
    public static let feedbackDown = "feedback:down"

    let engine: ConversationEngine
    let logger: Logger

    public init(engine: ConversationEngine, logger: Logger) {
        self.engine = engine
        self.logger = logger
    }

    /// The engine's address of a Telegram message: chats are per bot; users are Telegram's
    /// (a user's A/B variant is the same in every chat), or the chat for channel posts.
    public static func address(of message: InboundMessage) -> ChatAddress {
        let chat = "telegram:\(message.botID):\(message.chat.id)"
        return ChatAddress(channel: "telegram", chatID: chat, userID: message.user.map { "telegram:\($0.id)" } ?? chat)
    }

    public func reply(to message: InboundMessage) async throws -> TelegramReply {
        let address = Self.address(of: message)
        switch message.content {
        case .callback(_, let data, _):
            let command: String
            switch data {
            case Self.feedbackUp: command = "/feedback up"
            case Self.feedbackDown: command = "/feedback down"
            default:
                logger.debug("ignored an unknown button press", metadata: ["bot": .string(message.botID)])
                return .none
            }
            let reply = try await engine.respond(to: command, from: address, tenant: message.tenantID)
            return .text(reply.text)
        case .text(let text, _):
            // A command's answer is whole at once (and not a model's): send it as it is.
            if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("/") {
                let reply = try await engine.respond(to: text, from: address, tenant: message.tenantID)
                return .text(Self.withNotices(reply.text, reply.notices))
            }
            return streamed(text, address: address, tenant: message.tenantID)
        }
    }

    /// A model's answer, streamed; the buttons go under it when the engine called a model.
    private func streamed(_ text: String, address: ChatAddress, tenant: String) -> TelegramReply {
        let fromModel = Flag()
        let pieces = AsyncThrowingStream<String, any Error> { continuation in
            let task = Task { [engine] in
                do {
                    let reply = try await engine.respond(to: text, from: address, tenant: tenant) { chunk in
                        switch chunk {
                        case .text(let piece): continuation.yield(piece)
                        case .notice(let notice): continuation.yield("\n\n_\(notice)_\n\n")
                        }
                    }
                    fromModel.set(reply.steps > 0)
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
        return .streamThenButtons(pieces) {
            guard fromModel.value else { return [] }
            return [[InlineButton("👍", data: Self.feedbackUp), InlineButton("👎", data: Self.feedbackDown)]]
        }
    }

    static func withNotices(_ text: String, _ notices: [String]) -> String {
        notices.isEmpty ? text : ([text] + notices.map { "_\($0)_" }).joined(separator: "\n\n")
    }
}

/// Whether the streamed reply came from a model, set by the task that makes it and read once
/// the pieces end.
private final class Flag: Sendable {
    private let storage = Mutex(false)
    func set(_ value: Bool) { storage.withLock { $0 = value } }
    var value: Bool { storage.withLock { $0 } }
}

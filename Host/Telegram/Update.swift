/// The parts of a Telegram `Update` the channel acts on: a message (text) or a callback query
/// (an inline button pressed). Other kinds are stored and acknowledged, then skipped.
public struct Update: Decodable, Sendable {
    public let update_id: Int64
    public let message: Message?
    public let edited_message: Message?
    public let callback_query: CallbackQuery?

    /// The chat the update belongs to, which orders its processing; nil for updates without one.
    public var chatID: Int64? { message?.chat.id ?? edited_message?.chat.id ?? callback_query?.message?.chat.id }
}

/// A Telegram chat: its id and `type` (`private`, `group`, `supergroup`, `channel`).
public struct Chat: Codable, Sendable, Hashable {
    public let id: Int64
    public let type: String

    public init(id: Int64, type: String) {
        self.id = id
        self.type = type
    }

    /// Whether this is a one-to-one chat with a user, where drafts can be streamed.
    public var isPrivate: Bool { type == "private" }
}

/// A Telegram user (or bot).
public struct User: Codable, Sendable, Hashable {
    public let id: Int64
    public let is_bot: Bool?
    public let first_name: String?
    public let username: String?
    public let language_code: String?
}

/// A message as updates and `sendMessage` carry it.
public struct Message: Decodable, Sendable {
    public let message_id: Int64
    public let chat: Chat
    public let from: User?
    public let text: String?
}

/// An inline keyboard button pressed by a user.
public struct CallbackQuery: Decodable, Sendable {
    public let id: String
    public let from: User
    public let message: Message?
    public let data: String?
}

/// What `getWebhookInfo` answers.
public struct WebhookInfo: Decodable, Sendable {
    public let url: String
    public let pending_update_count: Int?
    public let allowed_updates: [String]?
    public let max_connections: Int?
    public let last_error_message: String?
}

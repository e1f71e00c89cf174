/// The parts of a Telegram `Update` the channel acts on: a message (text) or a callback query
/// (an inline button pressed). Other kinds are stored and acknowledged, then skipped.
public struct Update: Decodable, Sendable {
    public let updateID: Int64
    public let message: Message?
    public let editedMessage: Message?
    public let callbackQuery: CallbackQuery?

    enum CodingKeys: String, CodingKey {
        case updateID = "update_id", message, editedMessage = "edited_message", callbackQuery = "callback_query"
    }

    /// The chat the update belongs to, which orders its processing; nil for updates without one.
    public var chatID: Int64? { message?.chat.id ?? editedMessage?.chat.id ?? callbackQuery?.message?.chat.id }
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
    public let isBot: Bool?
    public let firstName: String?
    public let username: String?
    public let languageCode: String?

    enum CodingKeys: String, CodingKey {
        case id, isBot = "is_bot", firstName = "first_name", username, languageCode = "language_code"
    }
}

/// A message as updates and `sendMessage` carry it.
public struct Message: Decodable, Sendable {
    public let messageID: Int64
    public let chat: Chat
    public let from: User?
    public let text: String?

    enum CodingKeys: String, CodingKey {
        case messageID = "message_id", chat, from, text
    }
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
    public let pendingUpdateCount: Int?
    public let allowedUpdates: [String]?
    public let maxConnections: Int?
    public let lastErrorMessage: String?

    enum CodingKeys: String, CodingKey {
        case url, pendingUpdateCount = "pending_update_count", allowedUpdates = "allowed_updates"
        case maxConnections = "max_connections", lastErrorMessage = "last_error_message"
    }
}

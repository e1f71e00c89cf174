/// A message or button press from Telegram, as the channel hands it on.
public struct InboundMessage: Sendable {
    /// What the user did.
    public enum Content: Sendable, Equatable {
        /// Sent a text message (a command such as `/help` included).
        case text(String, messageID: Int64)
        /// Pressed an inline button carrying `data`, under the bot's message `messageID`.
        case callback(queryID: String, data: String, messageID: Int64?)
    }

    /// The bot's opaque id in Market (never its token).
    public let botID: String
    /// The tenant the bot belongs to.
    public let tenantID: String
    /// Telegram's id of the update, unique per bot.
    public let updateID: Int64
    public let chat: Chat
    /// Who sent it; nil for messages on behalf of a channel.
    public let user: User?
    public let content: Content

    public init(botID: String, tenantID: String, updateID: Int64, chat: Chat, user: User?, content: Content) {
        self.botID = botID
        self.tenantID = tenantID
        self.updateID = updateID
        self.chat = chat
        self.user = user
        self.content = content
    }
}

/// What a handler answers: nothing, a whole reply, or a reply streamed in pieces. Replies are
/// Markdown as a model writes it; the channel renders, splits and paces them.
public enum TelegramReply: Sendable {
    case none
    /// A reply, with inline buttons under it when `buttons` has any.
    case text(String, buttons: [[InlineButton]] = [])
    /// Pieces appended to one another as they are produced.
    case stream(AsyncThrowingStream<String, any Error>)
    /// Pieces streamed as with `stream`, then inline buttons under the finished reply: `buttons`
    /// is called once the pieces end, so it may depend on how the reply was made (a model's
    /// answer gets 👍 / 👎, a command's does not). Outside private chats the reply is sent whole.
    case streamThenButtons(AsyncThrowingStream<String, any Error>, buttons: @Sendable () -> [[InlineButton]])
}

/// Where the channel hands inbound messages: the conversation engine, once joined, or a test's
/// handler. Called in order per chat (one message of a chat at a time), concurrently across
/// chats. A thrown error is logged and the update retried later, up to a limit.
public protocol TelegramMessageHandler: Sendable {
    /// The answer to one message or button press; throwing leaves the update for a retry.
    func reply(to message: InboundMessage) async throws -> TelegramReply
}

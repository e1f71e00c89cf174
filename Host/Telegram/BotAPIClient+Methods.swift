import Foundation
import MarketCore

/// Typed calls of the Bot API methods the channel uses.
extension BotAPIClient {
    /// The kinds of update the channel asks Telegram for (webhook and long polling alike).
    public static let allowedUpdates = ["message", "edited_message", "callback_query"]

    private struct None: Encodable, Sendable {}

    /// The bot itself; checks the token.
    public func getMe() async throws -> User {
        try await call("getMe", None())
    }

    private struct GetUpdates: Encodable, Sendable {
        let offset: Int64
        let timeout: Int
        let limit: Int
        let allowed_updates: [String]
    }

    /// Updates from `offset` on, waiting up to `timeout` seconds for one (a long poll). Each
    /// update is returned with its raw JSON, which the inbox stores as Telegram sent it.
    public func getUpdates(offset: Int64, timeout: Int, limit: Int = 100) async throws -> [RawUpdate] {
        try await call("getUpdates", GetUpdates(offset: offset, timeout: timeout, limit: limit, allowed_updates: Self.allowedUpdates),
                       as: [RawUpdate].self, extraTime: .seconds(timeout))
    }

    private struct SetWebhook: Encodable, Sendable {
        let url: String
        let secret_token: String
        let allowed_updates: [String]
        let max_connections: Int
    }

    /// Points Telegram at `url`, which must present `secretToken` in
    /// `X-Telegram-Bot-Api-Secret-Token` on every delivery.
    public func setWebhook(url: String, secretToken: String, maxConnections: Int = 40) async throws {
        let _: Bool = try await call("setWebhook", SetWebhook(url: url, secret_token: secretToken,
                                                             allowed_updates: Self.allowedUpdates, max_connections: maxConnections))
    }

    private struct DeleteWebhook: Encodable, Sendable { let drop_pending_updates: Bool }

    /// Removes the webhook, so that `getUpdates` works; pending updates are kept.
    public func deleteWebhook() async throws {
        let _: Bool = try await call("deleteWebhook", DeleteWebhook(drop_pending_updates: false))
    }

    /// The webhook Telegram has for the bot (`url` is empty when none is set).
    public func getWebhookInfo() async throws -> WebhookInfo {
        try await call("getWebhookInfo", None())
    }

    /// What the channel reads of a message it sent.
    private struct SentMessage: Decodable, Sendable {
        let message_id: Int64
    }

    /// Sends `text`, as HTML when `html` is true, otherwise as plain text, with an inline
    /// keyboard when `buttons` has any.
    /// - Returns: the id of the message sent.
    @discardableResult
    public func sendMessage(chat: Int64, text: String, html: Bool, replyTo: Int64? = nil, buttons: [[InlineButton]] = []) async throws -> Int64 {
        // Written directly, as every reply is: Foundation's encoder costs several times more.
        var body = #"{"chat_id":\#(chat),"text":\#(JSONValue.string(text).jsonText)"#
        if html { body += #","parse_mode":"HTML""# }
        if let replyTo { body += #","reply_to_message_id":\#(replyTo)"# }
        if !buttons.isEmpty {
            let keyboard = try JSONEncoder().encode(InlineKeyboard(inlineKeyboard: buttons))
            body += #","reply_markup":"# + String(decoding: keyboard, as: UTF8.self)
        }
        body += "}"
        return try await call("sendMessage", body: Data(body.utf8), as: SentMessage.self).message_id
    }

    private struct EditMessageText: Encodable, Sendable {
        let chat_id: Int64
        let message_id: Int64
        let text: String
        let parse_mode: String?
    }

    /// Replaces the text of a message the bot sent.
    public func editMessageText(chat: Int64, message: Int64, text: String, html: Bool) async throws {
        let _: Message = try await call("editMessageText", EditMessageText(chat_id: chat, message_id: message, text: text, parse_mode: html ? "HTML" : nil))
    }

    private struct SendChatAction: Encodable, Sendable {
        let chat_id: Int64
        let action: String
    }

    /// Shows "typing…" in the chat for about five seconds, or until a message is sent.
    public func sendTyping(chat: Int64) async throws {
        let _: Bool = try await call("sendChatAction", SendChatAction(chat_id: chat, action: "typing"))
    }

    private struct SendMessageDraft: Encodable, Sendable {
        let chat_id: Int64
        let draft_id: Int64
        let text: String
        let parse_mode: String?
    }

    /// Streams a partial reply into a private chat; drafts with the same `draftID` replace
    /// each other. The final text still needs `sendMessage`.
    public func sendMessageDraft(chat: Int64, draftID: Int64, text: String, html: Bool) async throws {
        let _: Bool = try await call("sendMessageDraft", SendMessageDraft(chat_id: chat, draft_id: draftID, text: text, parse_mode: html ? "HTML" : nil))
    }

    private struct AnswerCallbackQuery: Encodable, Sendable {
        let callback_query_id: String
        let text: String?
    }

    /// Stops the button's spinner, optionally showing `text` as a notice.
    public func answerCallbackQuery(_ id: String, text: String? = nil) async throws {
        let _: Bool = try await call("answerCallbackQuery", AnswerCallbackQuery(callback_query_id: id, text: text))
    }
}

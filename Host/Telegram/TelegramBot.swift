import Foundation

/// A bot as Market has registered it for a tenant.
public struct TelegramBot: Sendable, Equatable, Codable {
    /// How the bot receives updates.
    public enum Mode: String, Sendable, Codable {
        /// Telegram POSTs updates to `/telegram/<id>`.
        case webhook
        /// A replica holding the bot's advisory lock calls getUpdates.
        case polling
    }

    /// Opaque (`tgb_` and 32 hex digits); the webhook's path names it, never the token.
    public let id: String
    public let tenantID: String
    /// The bot's Telegram user id (the token's numeric part).
    public let telegramID: Int64
    /// The bot's @username, as getMe answered when it was connected.
    public let username: String
    public let mode: Mode
    /// The Bot API base URL the bot's calls go to.
    public let apiBase: String

    /// The path of the bot's webhook on Market's HTTP server.
    public var webhookPath: String { "/telegram/\(id)" }

    /// Whether `text` has the shape of a bot id, checked before any lookup.
    public static func isValidID(_ text: String) -> Bool {
        text.count == 36 && text.hasPrefix("tgb_") && text.dropFirst(4).allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return "tgb_" + (0..<16).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// A webhook secret: 43 characters of Telegram's allowed `A-Z a-z 0-9 _ -` (256 random bits).
    static func newSecretToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
        return String((0..<43).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}

/// What calling Telegram as a bot, and checking its webhook, takes.
public struct BotCredentials: Sendable {
    public let bot: TelegramBot
    public let token: BotToken
    /// What Telegram sends in `X-Telegram-Bot-Api-Secret-Token`.
    public let secretToken: String

    /// A Bot API client for the bot, on its own base URL.
    public func client(timeout: Duration = .seconds(30)) -> BotAPIClient {
        BotAPIClient(token: token, base: bot.apiBase, timeout: timeout)
    }
}

import Foundation
import MarketCore

/// A bot's token from @BotFather: `<bot id>:<secret>`. Its `description` shows only the bot
/// id, so a token printed or logged by mistake reveals nothing.
public struct BotToken: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The token as Telegram issued it; only URLs sent to Telegram contain it.
    public let value: String
    /// The numeric part before the colon, which is the bot's user id.
    public let botUserID: Int64

    /// - Throws: `TELEGRAM_TOKEN_INVALID` unless the text is digits, a colon and at least 30
    ///   characters of `A-Z a-z 0-9 _ -`. The message never repeats the text.
    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
        guard parts.count == 2, let id = Int64(parts[0]), id > 0, parts[1].count >= 30, parts[1].allSatisfy(allowed.contains) else {
            throw MarketError(.telegramTokenInvalid, "the bot token does not look like a Telegram token (digits, a colon, then 30 or more letters, digits, _ or -)",
                              fix: "copy the token @BotFather gave for the bot, without quotes or spaces")
        }
        value = trimmed
        botUserID = id
    }

    public var description: String { "\(botUserID):…" }
    public var debugDescription: String { description }
}

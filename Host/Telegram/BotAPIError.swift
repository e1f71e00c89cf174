import MarketCore

/// A call Telegram answered with `"ok": false`: its `error_code`, `description` and, when
/// given, `parameters.retry_after` (429) or `parameters.migrate_to_chat_id`.
public struct BotAPIError: Error, Sendable, CustomStringConvertible {
    /// The Bot API method called, such as `sendMessage`.
    public let method: String
    /// Telegram's `error_code`: an HTTP status (400, 401, 403, 409, 429, …).
    public let errorCode: Int
    /// Telegram's `description`, such as `Bad Request: can't parse entities: …`.
    public let reason: String
    /// Seconds to wait before the next call, on 429.
    public let retryAfter: Int?
    /// The supergroup a group became, when Telegram says so.
    public let migrateToChatID: Int64?

    public init(method: String, errorCode: Int, reason: String, retryAfter: Int? = nil, migrateToChatID: Int64? = nil) {
        self.method = method
        self.errorCode = errorCode
        self.reason = reason
        self.retryAfter = retryAfter
        self.migrateToChatID = migrateToChatID
    }

    /// Whether Telegram refused the message's HTML (`can't parse entities`).
    public var isEntityParseError: Bool { errorCode == 400 && reason.lowercased().contains("can't parse entities") }

    public var description: String { "Telegram answered \(method) with \(errorCode): \(reason)" }

    /// The error as the rest of Market reports them.
    public var marketError: MarketError {
        let fix: String
        switch errorCode {
        case 401, 404: fix = "check the bot token (from @BotFather) and the Bot API base URL"
        case 403: fix = "the user blocked the bot or the bot was removed from the chat"
        case 409: fix = "a webhook is set while polling, or another poller runs: use one mode per bot (`market telegram set-webhook`)"
        case 429: fix = "Telegram is rate limiting the bot; wait \(retryAfter ?? 1) s"
        default: fix = "see Telegram's description; the request was not retried"
        }
        let code: MarketError.Code = errorCode == 401 ? .telegramTokenInvalid : .telegramFailed
        return MarketError(code, description, fix: fix, underlying: self)
    }
}

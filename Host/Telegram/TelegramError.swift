import MarketCore

extension MarketError.Code {
    /// Telegram's Bot API refused a call or could not be reached.
    public static let telegramFailed = Self(rawValue: "TELEGRAM_FAILED")
    /// A bot token does not have Telegram's shape (`<digits>:<secret>`), or Telegram rejected it.
    public static let telegramTokenInvalid = Self(rawValue: "TELEGRAM_TOKEN_INVALID")
    /// No bot is registered under the id given.
    public static let telegramBotNotFound = Self(rawValue: "TELEGRAM_BOT_NOT_FOUND")
    /// An update's JSON is not a Telegram update.
    public static let telegramUpdateInvalid = Self(rawValue: "TELEGRAM_UPDATE_INVALID")
}

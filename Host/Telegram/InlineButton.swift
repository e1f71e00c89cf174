/// A button of an inline keyboard under a reply: pressing it sends `data` back to the bot as a
/// callback query (`InboundMessage.Content.callback`), such as feedback 👍 / 👎.
public struct InlineButton: Sendable, Equatable, Codable {
    /// The button's label.
    public let text: String
    /// 1–64 bytes that come back when the button is pressed.
    public let data: String

    public init(_ text: String, data: String) {
        self.text = text
        self.data = data
    }

    enum CodingKeys: String, CodingKey {
        case text, data = "callback_data"
    }

    /// Whether Telegram takes `data` (1–64 bytes of UTF-8).
    public var isValid: Bool { (1...64).contains(data.utf8.count) && !text.isEmpty }
}

/// `reply_markup` with an inline keyboard: rows of buttons.
struct InlineKeyboard: Encodable, Sendable {
    let inlineKeyboard: [[InlineButton]]

    enum CodingKeys: String, CodingKey {
        case inlineKeyboard = "inline_keyboard"
    }
}

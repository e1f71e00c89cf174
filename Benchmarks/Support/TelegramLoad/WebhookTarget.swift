/// The host's webhook for one bot: where the load posts its updates, and the secret it sends.
struct WebhookTarget: Sendable {
    let port: Int
    let botID: String
    let secret: String

    /// A text update in chat `chat`: a slash command calling textkit's `word_count`.
    func update(_ id: Int64, chat: Int64) -> [UInt8] {
        Array(#"{"update_id":\#(id),"message":{"message_id":\#(id),"date":1700000000,"text":"/word_count text=\"one two three\"","chat":{"id":\#(chat),"type":"private"},"from":{"id":\#(chat),"is_bot":false,"first_name":"U"}}}"#.utf8)
    }

    /// A text update in chat `chat` saying `text` (plain: no quotes or backslashes to escape).
    func textUpdate(_ id: Int64, chat: Int64, text: String) -> [UInt8] {
        Array(#"{"update_id":\#(id),"message":{"message_id":\#(id),"date":1700000000,"text":"\#(text)","chat":{"id":\#(chat),"type":"private"},"from":{"id":\#(chat),"is_bot":false,"first_name":"U"}}}"#.utf8)
    }

    /// The request bytes of one webhook delivery of textkit's slash command.
    func request(_ id: Int64, chat: Int64) -> [UInt8] {
        request(update(id, chat: chat))
    }

    /// The request bytes of one webhook delivery of `body`.
    func request(_ body: [UInt8]) -> [UInt8] {
        let head = "POST /telegram/\(botID) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
            + "X-Telegram-Bot-Api-Secret-Token: \(secret)\r\nContent-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }
}

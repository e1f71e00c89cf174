import Logging
import MarketCore

/// Sends one bot's replies: Markdown rendered to Telegram HTML, split into parts Telegram
/// accepts, each part sent as plain text instead when Telegram refuses its HTML, every call
/// paced by the bot's `SendScheduler` and retried after a 429's `retry_after`.
public struct ReplySender: Sendable {
    public let client: BotAPIClient
    public let scheduler: SendScheduler
    /// The least time between two updates of a streamed reply (drafts or edits).
    public let streamInterval: Duration
    /// How long a streamed reply may take before it is shown in progress: one ready sooner is
    /// sent whole at once, with no draft or edit taking the chat's slot ahead of it.
    public let progressDelay: Duration
    let logger: Logger

    /// How often a call refused with 429 is tried again before giving up.
    static let rateLimitRetries = 5

    public init(client: BotAPIClient, scheduler: SendScheduler = SendScheduler(), streamInterval: Duration = .seconds(1),
                progressDelay: Duration = .milliseconds(400), logger: Logger) {
        self.client = client
        self.scheduler = scheduler
        self.streamInterval = streamInterval
        self.progressDelay = progressDelay
        self.logger = logger
    }

    /// Sends `markdown` to `chat`, in as many messages as it takes; `buttons` go under the last.
    /// - Returns: the ids of the messages sent, in order.
    /// - Throws: `TELEGRAM_FAILED` for a button Telegram would refuse (its data must be 1–64 bytes).
    @discardableResult
    public func send(markdown: String, to chat: Chat, replyTo: Int64? = nil, buttons: [[InlineButton]] = []) async throws -> [Int64] {
        var reply = try outgoing(markdown: markdown, to: chat, replyTo: replyTo, buttons: buttons)
        try await deliver(&reply)
        return reply.messages
    }

    /// `markdown` as the messages that carry it: rendered, split, the first part answering
    /// `replyTo`, `buttons` under the last.
    /// - Throws: `TELEGRAM_FAILED` for a button Telegram would refuse (its data must be 1–64 bytes).
    public func outgoing(markdown: String, to chat: Chat, replyTo: Int64? = nil, buttons: [[InlineButton]] = []) throws -> OutgoingReply {
        if let bad = buttons.joined().first(where: { !$0.isValid }) {
            throw MarketError(.telegramFailed, "the button \"\(bad.text.prefix(40))\" has \(bad.data.utf8.count) bytes of data; Telegram takes 1 to 64",
                              fix: "keep a button's data short (an id), and its label non-empty")
        }
        let parts = MessageSplitter.split(TelegramHTML.render(markdown: markdown))
        return OutgoingReply(chat: chat.id, parts: parts.enumerated().map { index, html in
            OutgoingReply.Part(html: html, replyTo: index == 0 ? replyTo : nil, buttons: index == parts.count - 1 ? buttons : [])
        })
    }

    /// Sends the parts of `reply` not sent yet, in order, counting each in `reply.sent` as it
    /// goes: when a call fails, `reply` says what is left.
    public func deliver(_ reply: inout OutgoingReply) async throws {
        while !reply.isComplete {
            let part = reply.parts[reply.sent]
            if let message = part.edit {
                try await editPart(part.html, chat: reply.chat, message: message)
                reply.messages.append(message)
            } else {
                reply.messages.append(try await sendPart(part.html, chat: reply.chat, replyTo: part.replyTo, buttons: part.buttons))
            }
            reply.sent += 1
        }
    }

    /// Shows "typing…" in the chat when the bot has a slot free now; it is skipped otherwise
    /// (a slot taken by "typing…" is one fewer for a reply), while a call to the chat waits for
    /// a slot (the reply is made then), and while the chat or the bot is paused by a 429. It
    /// never takes the chat's slot.
    public func typing(_ chat: Chat) async throws {
        _ = try await ifIdle(chat: chat.id, takesChatSlot: false) { try await client.sendTyping(chat: chat.id) }
    }

    /// Makes `call` only when the scheduler has a slot free now (see `acquireIfIdle`); false
    /// when it was skipped. A 429 pauses the chat and is thrown.
    func ifIdle(chat: Int64, takesChatSlot: Bool, _ call: () async throws -> Void) async throws -> Bool {
        guard await scheduler.acquireIfIdle(chat: chat, takesChatSlot: takesChatSlot) else { return false }
        do {
            try await call()
            await scheduler.finished(chat: chat, takesChatSlot: takesChatSlot)
            return true
        } catch {
            await scheduler.finished(chat: chat, takesChatSlot: takesChatSlot)
            if let error = error as? BotAPIError, error.errorCode == 429 { await scheduler.rateLimited(chat: chat, retryAfter: error.retryAfter ?? 1) }
            throw error
        }
    }

    /// Stops an inline button's spinner.
    public func answerCallback(_ queryID: String) async throws {
        try await paced(chat: nil) { try await client.answerCallbackQuery(queryID) }
    }

    /// One part, as HTML, or as its plain text when Telegram cannot parse the HTML.
    func sendPart(_ html: String, chat: Int64, replyTo: Int64?, buttons: [[InlineButton]] = []) async throws -> Int64 {
        do {
            return try await paced(chat: chat) {
                try await client.sendMessage(chat: chat, text: html, html: true, replyTo: replyTo, buttons: buttons)
            }
        } catch let error as BotAPIError where error.isEntityParseError {
            logger.warning("Telegram refused a reply's HTML; sending it as plain text", metadata: ["reason": .string(error.reason)])
            let plain = TelegramHTML.plainText(html: html)
            return try await paced(chat: chat) {
                try await client.sendMessage(chat: chat, text: plain, html: false, replyTo: replyTo, buttons: buttons)
            }
        }
    }

    /// Replaces a message's text with `html`, or its plain text when the HTML is refused;
    /// "message is not modified" counts as done.
    func editPart(_ html: String, chat: Int64, message: Int64) async throws {
        do {
            try await paced(chat: chat) { try await client.editMessageText(chat: chat, message: message, text: html, html: true) }
        } catch let error as BotAPIError where error.isEntityParseError {
            let plain = TelegramHTML.plainText(html: html)
            try await paced(chat: chat) { try await client.editMessageText(chat: chat, message: message, text: plain, html: false) }
        } catch let error as BotAPIError where error.errorCode == 400 && error.reason.contains("message is not modified") {
            return
        }
    }

    /// Runs `call` in a slot of the scheduler; a 429 is recorded and the call tried again
    /// after its `retry_after`.
    func paced<Value: Sendable>(chat: Int64?, takesChatSlot: Bool = true, _ call: () async throws -> Value) async throws -> Value {
        var attempt = 0
        while true {
            try await scheduler.acquire(chat: chat, takesChatSlot: takesChatSlot)
            let outcome: Result<Value, any Error>
            do {
                outcome = .success(try await call())
            } catch {
                outcome = .failure(error)
            }
            await scheduler.finished(chat: chat, takesChatSlot: takesChatSlot)
            do {
                return try outcome.get()
            } catch let error as BotAPIError where error.errorCode == 429 && attempt < Self.rateLimitRetries {
                attempt += 1
                let seconds = error.retryAfter ?? 1
                logger.notice("Telegram asked to slow down", metadata: ["method": .string(error.method), "retry_after": "\(seconds)"])
                await scheduler.rateLimited(chat: chat, retryAfter: seconds)
            }
        }
    }
}

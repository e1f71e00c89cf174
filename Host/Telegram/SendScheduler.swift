/// Paces one bot's calls to Telegram: at most one message a second per chat and thirty a
/// second in all (Telegram's published limits), and nothing to a chat — or to any chat — before
/// a `retry_after` Telegram gave has passed.
///
/// A call reserves the earliest slot both limits allow, then sleeps until it outside the
/// actor, so waiting callers never block others. A 429 on a chat's call pauses that chat; a
/// 429 on a call without a chat, or on a second chat while a first is paused, pauses the bot,
/// since that is Telegram's bot-wide limit speaking.
public actor SendScheduler {
    /// The spacing of one chat's calls.
    public let perChat: Duration
    /// The spacing of all of the bot's calls.
    public let global: Duration
    private let clock = ContinuousClock()
    private var nextGlobal: ContinuousClock.Instant
    private var nextByChat: [Int64: ContinuousClock.Instant] = [:]
    /// The chat most recently paused by a 429, and until when.
    private var pausedChat: (chat: Int64, until: ContinuousClock.Instant)?

    public init(perChat: Duration = .seconds(1), global: Duration = .milliseconds(34)) {
        self.perChat = perChat
        self.global = global
        nextGlobal = clock.now
    }

    /// Waits until the bot may make a call to `chat` (nil for calls without a chat), and
    /// reserves that slot.
    /// - Parameter takesChatSlot: false for calls that wait for the chat's pause after a 429 and
    ///   the global limit without using up the chat's next slot, such as "typing…".
    public func acquire(chat: Int64?, takesChatSlot: Bool = true) async throws {
        // A chat that must wait is waited for before a global slot is taken, so one paused chat
        // never pushes the bot's other chats back.
        while let ready = chatReady(chat, takesChatSlot: takesChatSlot), ready > clock.now {
            try await clock.sleep(until: ready)
        }
        let slot = max(clock.now, nextGlobal)
        nextGlobal = slot + global
        if let chat, takesChatSlot { nextByChat[chat] = slot + perChat }
        if nextByChat.count > 10_000 { nextByChat = nextByChat.filter { $0.value > clock.now } }
        try await clock.sleep(until: slot)
    }

    private func chatReady(_ chat: Int64?, takesChatSlot: Bool) -> ContinuousClock.Instant? {
        guard let chat else { return nil }
        if takesChatSlot { return nextByChat[chat] }
        guard let paused = pausedChat, paused.chat == chat else { return nil }
        return paused.until
    }

    /// Records Telegram's `retry_after` for a call to `chat`.
    public func rateLimited(chat: Int64?, retryAfter seconds: Int) {
        let until = clock.now + .seconds(max(1, seconds))
        let otherChatPaused = pausedChat.map { $0.chat != chat && $0.until > clock.now } ?? false
        if let chat, !otherChatPaused {
            nextByChat[chat] = max(nextByChat[chat] ?? until, until)
            pausedChat = (chat, until)
        } else {
            nextGlobal = max(nextGlobal, until)
            if let chat { nextByChat[chat] = max(nextByChat[chat] ?? until, until) }
        }
    }
}

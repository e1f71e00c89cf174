/// Paces one bot's calls to Telegram within its published limits, as Telegram counts them: at
/// most one message a second per chat, twenty a minute per group, thirty a second in all, and
/// nothing to a chat — or to any chat — before a `retry_after` Telegram gave has passed.
///
/// Telegram sees a call somewhere between its start and its answer, so spacing the starts is
/// not enough (a call slowed on the way arrives close to the next): a chat's next call starts
/// its interval after the previous one was answered, and a call starts only when fewer than
/// `perSecond` calls were answered within the last second or are still in flight. A caller
/// reports each call's end with `finished`.
///
/// A call reserves the earliest slot the spacing allows, then sleeps until it outside the
/// actor, so waiting callers never block others. Calls worth making only when they cost nothing
/// ("typing…", a streamed reply's draft) take a slot only when one is free now, and "typing…"
/// none while a call to its chat waits for a slot: the reply is made then, and only waits. A 429 on a chat's call pauses that chat; a
/// 429 on a call without a chat, or on a second chat while a first is paused, pauses the bot,
/// since that is Telegram's bot-wide limit speaking.
public actor SendScheduler {
    /// The spacing of one chat's calls, from the previous call's answer.
    public let perChat: Duration
    /// The spacing of one group's calls (chats with negative ids), from the previous answer.
    public let perGroup: Duration
    /// The spacing of the starts of all of the bot's calls.
    public let global: Duration
    /// Calls answered within any one second, plus those in flight, at most.
    public let perSecond: Int
    private let clock = ContinuousClock()
    private var nextGlobal: ContinuousClock.Instant
    private var nextByChat: [Int64: ContinuousClock.Instant] = [:]
    /// The chat most recently paused by a 429, and until when.
    private var pausedChat: (chat: Int64, until: ContinuousClock.Instant)?
    /// Calls started and not yet finished.
    private var inFlight = 0
    /// When calls finished within the last second, oldest first.
    private var answered: [ContinuousClock.Instant] = []
    /// Calls waiting in `acquire` for a slot, by chat.
    private var waiting: [Int64: Int] = [:]

    /// - Parameter perGroup: nil for the same spacing as `perChat`.
    public init(perChat: Duration = .seconds(1), perGroup: Duration? = nil, global: Duration = .milliseconds(34), perSecond: Int = 30) {
        self.perChat = perChat
        self.perGroup = perGroup ?? perChat
        self.global = global
        self.perSecond = max(1, perSecond)
        nextGlobal = clock.now
    }

    /// Waits until the bot may make a call to `chat` (nil for calls without a chat), and
    /// reserves that slot; call `finished` when the call has been answered (or failed).
    /// - Parameter takesChatSlot: false for calls that wait for the chat's pause after a 429 and
    ///   the global limit without using up the chat's next slot, such as "typing…".
    public func acquire(chat: Int64?, takesChatSlot: Bool = true) async throws {
        if let chat { waiting[chat, default: 0] += 1 }
        defer {
            if let chat {
                let left = (waiting[chat] ?? 1) - 1
                waiting[chat] = left > 0 ? left : nil
            }
        }
        // A chat that must wait is waited for before a global slot is taken, so one paused chat
        // never pushes the bot's other chats back.
        while let ready = chatReady(chat, takesChatSlot: takesChatSlot), ready > clock.now {
            try await clock.sleep(until: ready)
        }
        let slot = max(clock.now, nextGlobal)
        nextGlobal = slot + global
        if let chat, takesChatSlot { nextByChat[chat] = slot + interval(chat) }
        if nextByChat.count > 10_000 { nextByChat = nextByChat.filter { $0.value > clock.now } }
        try await clock.sleep(until: slot)
        while true {
            forgetAnswersOlderThanASecond()
            if inFlight + answered.count < perSecond { break }
            try await clock.sleep(until: answered.first.map { $0 + .seconds(1) } ?? clock.now + .milliseconds(5))
        }
        inFlight += 1
    }

    /// Takes a slot only if one is free now: the global spacing and the one-second window allow
    /// a call, and neither `chat` nor the bot is paused by a 429; with `takesChatSlot`, also the
    /// chat's own spacing (its next slot is taken then). For calls worth making only when they
    /// cost nothing else: "typing…" (never while a call to `chat` waits for a slot, when the reply
    /// is made and only waits) and a streamed reply's drafts. True when taken (then call `finished`).
    public func acquireIfIdle(chat: Int64, takesChatSlot: Bool = false) -> Bool {
        let now = clock.now
        if let paused = pausedChat, paused.chat == chat, paused.until > now { return false }
        if takesChatSlot {
            if let next = nextByChat[chat], next > now { return false }
        } else if waiting[chat] != nil {
            return false
        }
        forgetAnswersOlderThanASecond()
        guard nextGlobal <= now, inFlight + answered.count < perSecond else { return false }
        nextGlobal = now + global
        if takesChatSlot { nextByChat[chat] = now + interval(chat) }
        inFlight += 1
        return true
    }

    /// Holds `chat`'s next call back until `instant` (a streamed reply's last edit keeps to the
    /// stream's interval); the wait is the call's, in `acquire`, not its maker's.
    public func hold(chat: Int64, until instant: ContinuousClock.Instant) {
        nextByChat[chat] = max(nextByChat[chat] ?? instant, instant)
    }

    /// Records that a call acquired for `chat` was answered (or failed): the chat's next call
    /// waits its interval from now.
    public func finished(chat: Int64?, takesChatSlot: Bool = true) {
        let now = clock.now
        inFlight = max(0, inFlight - 1)
        answered.append(now)
        if let chat, takesChatSlot { nextByChat[chat] = max(nextByChat[chat] ?? now, now + interval(chat)) }
    }

    private func interval(_ chat: Int64) -> Duration { chat < 0 ? perGroup : perChat }

    private func forgetAnswersOlderThanASecond() {
        let horizon = clock.now - .seconds(1)
        if let kept = answered.firstIndex(where: { $0 > horizon }) { answered.removeFirst(kept) } else { answered.removeAll() }
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

import TelegramChannel
import Testing

@Suite struct SchedulerTests {
    let clock = ContinuousClock()

    /// How long `acquire` waits.
    func wait(_ scheduler: SendScheduler, chat: Int64?, takesChatSlot: Bool = true) async throws -> Duration {
        let started = clock.now
        try await scheduler.acquire(chat: chat, takesChatSlot: takesChatSlot)
        return clock.now - started
    }

    @Test func theGlobalLimitSpacesAllChats() async throws {
        let scheduler = SendScheduler(perChat: .zero, global: .milliseconds(100))
        let started = clock.now
        for chat in 1...4 as ClosedRange<Int64> { try await scheduler.acquire(chat: chat) }
        #expect(clock.now - started >= .milliseconds(290))
    }

    @Test func aRetryAfterOnOneChatPausesOnlyThatChat() async throws {
        // A long pause, so that "at once" holds however slowly a loaded machine runs this task.
        let scheduler = SendScheduler(perChat: .zero, global: .zero)
        await scheduler.rateLimited(chat: 1, retryAfter: 60)
        #expect(try await wait(scheduler, chat: 2) < .seconds(30), "another chat goes on at once")
        await scheduler.finished(chat: 2)
        #expect(await scheduler.acquireIfIdle(chat: 1) == false, "the paused chat is still paused")

        let short = SendScheduler(perChat: .zero, global: .zero)
        await short.rateLimited(chat: 1, retryAfter: 1)
        #expect(try await wait(short, chat: 1) >= .milliseconds(990), "the paused chat waits out its retry_after")
    }

    @Test func aRetryAfterWithoutAChatOrOnASecondChatPausesTheBot() async throws {
        let unscoped = SendScheduler(perChat: .zero, global: .zero)
        await unscoped.rateLimited(chat: nil, retryAfter: 1)
        #expect(try await wait(unscoped, chat: 7) >= .milliseconds(900))

        let spreading = SendScheduler(perChat: .zero, global: .zero)
        await spreading.rateLimited(chat: 1, retryAfter: 1)
        await spreading.rateLimited(chat: 2, retryAfter: 1)
        #expect(try await wait(spreading, chat: 3) >= .milliseconds(900), "429s on two chats at once are the bot-wide limit")
    }

    @Test func typingWaitsForAPauseButTakesNoChatSlot() async throws {
        let scheduler = SendScheduler(perChat: .seconds(60), global: .zero)
        try await scheduler.acquire(chat: 1)
        await scheduler.finished(chat: 1)
        #expect(try await wait(scheduler, chat: 1, takesChatSlot: false) < .seconds(30), "not the chat's 60 s slot")
    }
}

import TelegramChannel
import Testing

@Suite struct SchedulerTests {
    let clock = ContinuousClock()

    /// How long `acquire` waits.
    func wait(_ scheduler: SendScheduler, chat: Int64?) async throws -> Duration {
        let started = clock.now
        try await scheduler.acquire(chat: chat)
        return clock.now - started
    }

    @Test func theGlobalLimitSpacesAllChats() async throws {
        let scheduler = SendScheduler(perChat: .zero, global: .milliseconds(100))
        let started = clock.now
        for chat in 1...4 as ClosedRange<Int64> { try await scheduler.acquire(chat: chat) }
        #expect(clock.now - started >= .milliseconds(290))
    }

    @Test func aRetryAfterOnOneChatPausesOnlyThatChat() async throws {
        let scheduler = SendScheduler(perChat: .zero, global: .zero)
        let started = clock.now
        await scheduler.rateLimited(chat: 1, retryAfter: 2)
        try await scheduler.acquire(chat: 2)
        #expect(clock.now - started < .milliseconds(1500), "another chat goes on at once")
        try await scheduler.acquire(chat: 1)
        #expect(clock.now - started >= .milliseconds(1990))
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
        let scheduler = SendScheduler(perChat: .seconds(5), global: .zero)
        try await scheduler.acquire(chat: 1)
        let started = clock.now
        try await scheduler.acquire(chat: 1, takesChatSlot: false)
        #expect(clock.now - started < .milliseconds(2500), "not the chat's 5 s slot")
    }
}

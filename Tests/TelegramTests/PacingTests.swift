import Foundation
import MarketTestSupport
import StoreTestSupport
import TelegramChannel
import Testing

/// Pacing as Telegram sees it (the fake dates a call when it handles it): a call slow to arrive
/// must not bring the next one closer than the limits allow.
@Suite struct PacingTests {
    @Test func oneChatsMessagesArriveASecondApartThoughTheFirstIsSlowToArrive() async throws {
        let fake = try await FakeTelegram.start()
        try await fake.warmUp()
        try await fake.slow("sendMessage", seconds: 0.4)
        let sender = ReplySender(client: fake.client(), scheduler: SendScheduler(), logger: quietLogger)
        let chat = Chat(id: 1001, type: "private")
        for text in ["a", "b", "c"] { try await sender.send(markdown: text, to: chat) }
        let times = try await fake.requests("sendMessage").map(\.time)
        #expect(times.count == 3)
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 >= 1.0 }, "\(times)")
    }

    @Test func noSecondHoldsMoreThanThirtyCallsThoughSomeAreSlowToArrive() async throws {
        let fake = try await FakeTelegram.start()
        try await fake.warmUp()
        try await fake.slow("sendMessage", seconds: 0.3, count: 10)
        let sender = ReplySender(client: fake.client(), scheduler: SendScheduler(), logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chat in 1...45 as ClosedRange<Int64> {
                group.addTask { try await sender.send(markdown: "hello \(chat)", to: Chat(id: chat, type: "private")) }
            }
            try await group.waitForAll()
        }
        let times = try await fake.requests("sendMessage").map(\.time).sorted()
        #expect(times.count == 45)
        let busiest = times.indices.map { start in times[start...].prefix { $0 < times[start] + 1.0 }.count }.max() ?? 0
        #expect(busiest <= 30, "at most 30 calls within any second, as Telegram counts them: \(busiest)")
    }

    @Test func aGroupWaitsLongerThanAPrivateChat() async throws {
        let scheduler = SendScheduler(perChat: .milliseconds(300), perGroup: .milliseconds(3000), global: .zero)
        let clock = ContinuousClock()
        var answered: [Int64: ContinuousClock.Instant] = [:]
        for chat in [5, -5] as [Int64] {
            try await scheduler.acquire(chat: chat)
            await scheduler.finished(chat: chat)
            answered[chat] = clock.now
        }
        try await scheduler.acquire(chat: 5)
        let privateWait = clock.now - answered[5]!
        try await scheduler.acquire(chat: -5)
        let groupWait = clock.now - answered[-5]!
        #expect(privateWait >= .milliseconds(290) && privateWait < .milliseconds(2500), "\(privateWait)")
        #expect(groupWait >= .milliseconds(2990), "a group's messages are spaced by its own, longer interval: \(groupWait)")
        #expect(InboxProcessor.Configuration().perGroupInterval >= .seconds(3), "Telegram allows 20 messages a minute to a group")
        #expect(InboxProcessor.Configuration().perChatInterval >= .seconds(1))
    }

    @Test func typingIsSkippedWhenNoSlotIsFreeOrTheChatIsPaused() async throws {
        let scheduler = SendScheduler(perChat: .zero, global: .milliseconds(500))
        #expect(await scheduler.acquireIfIdle(chat: 1))
        await scheduler.finished(chat: 1, takesChatSlot: false)
        #expect(await !scheduler.acquireIfIdle(chat: 2), "the next slot is half a second away: no typing")
        let paused = SendScheduler(perChat: .zero, global: .zero)
        await paused.rateLimited(chat: 7, retryAfter: 5)
        #expect(await !paused.acquireIfIdle(chat: 7), "a chat under a 429 gets no typing")
        #expect(await paused.acquireIfIdle(chat: 8))
    }

    @Test func typingIsSkippedWhileACallToTheChatWaitsForItsSlot() async throws {
        let scheduler = SendScheduler(perChat: .milliseconds(600), global: .zero)
        try await scheduler.acquire(chat: 1)
        await scheduler.finished(chat: 1)
        let waiting = Task { try await scheduler.acquire(chat: 1) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(await !scheduler.acquireIfIdle(chat: 1), "the reply is made and waits for the chat's slot: no typing")
        #expect(await scheduler.acquireIfIdle(chat: 2), "another chat's typing is not held back")
        await scheduler.finished(chat: 2, takesChatSlot: false)
        try await waiting.value
        await scheduler.finished(chat: 1)
        #expect(await !scheduler.acquireIfIdle(chat: 1, takesChatSlot: true), "a draft takes the chat's slot only when it is free now")
        #expect(await scheduler.acquireIfIdle(chat: 1), "typing needs no chat slot")
    }
}

import Foundation
import MarketStore
import MarketTestSupport
import TelegramChannel
import Testing

extension TelegramDatabaseTests {
    /// A backlog goes out at the bot's rate: "typing…" takes only slots no reply wants, and a
    /// stop with a backlog in hand is bounded and leaves the backlog in the inbox.
    @Suite struct BacklogTests {
        func store(_ fixture: TelegramFixture, chats: ClosedRange<Int64>) async throws {
            for chat in chats {
                let data = try JSONSerialization.data(withJSONObject: FakeTelegram.textUpdate(chat, chat: chat, text: "hi \(chat)"))
                try await fixture.inbox.store(try RawUpdate.parse(body: Array(data)).update, bot: fixture.bot.id)
            }
        }

        @Test func typingNeverHoldsUpABacklog() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            try await fixture.fake.warmUp()
            try await store(fixture, chats: 1...60)
            var configuration = InboxProcessor.Configuration(pollInterval: .milliseconds(20), typingInterval: .milliseconds(200))
            configuration.typingDelay = .milliseconds(100)
            // Each reply takes 600 ms to make: long enough to show "typing…" twice.
            let processor = InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: UppercasingHandler(delay: .milliseconds(600)),
                                           configuration: configuration, logger: fixture.logs.logger)
            let running = Task { await processor.run() }
            #expect(try await fixture.eventually(.seconds(30)) { try await fixture.inboxRows().allSatisfy { $0.status == "done" } })
            running.cancel()
            await running.value
            let replies = try await fixture.fake.requests("sendMessage")
            let typing = try await fixture.fake.requests("sendChatAction")
            #expect(replies.count == 60)
            let times = replies.map(\.time).sorted()
            let span = (times.last ?? 0) - (times.first ?? 0)
            #expect(span < 60.0 / 30 + 0.6, "60 replies at about 30 a second: \(span) s, beside \(typing.count) typing calls")
            // Typing takes slots no reply wants, so how many it gets depends on how fast this
            // machine makes replies; before, it took about four calls in five (here some 200).
            #expect(typing.count < replies.count / 2, "typing only in slots no reply wanted: \(typing.count)")
            let sentAt = Dictionary(replies.map { ($0.int("chat_id") ?? 0, $0.time) }, uniquingKeysWith: min)
            #expect(typing.allSatisfy { $0.time < sentAt[$0.int("chat_id") ?? 0] ?? 0 }, "no typing once the reply is out")
        }

        @Test func aStopWithABacklogAndTelegramHangingIsBoundedAndKeepsTheBacklog() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            try await fixture.fake.warmUp()
            try await store(fixture, chats: 1...200)
            // Telegram takes every call and never answers in time.
            try await fixture.fake.slow("sendMessage", seconds: 60, count: 1000)
            var configuration = InboxProcessor.Configuration(pollInterval: .milliseconds(20))
            configuration.drainTimeout = .milliseconds(500)
            let processor = InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: UppercasingHandler(),
                                           configuration: configuration, logger: fixture.logs.logger)
            let running = Task { await processor.run() }
            // The fake dates a call once it handles it: here, never. Wait for the claims instead.
            #expect(try await fixture.eventually {
                try await fixture.pool.query("SELECT count(*)::int AS n FROM telegram_inbox WHERE attempts > 0")[0].decode("n", as: Int.self) >= 100
            })
            try await Task.sleep(for: .milliseconds(300))
            let stopping = ContinuousClock.now
            running.cancel()
            await running.value
            let took = ContinuousClock.now - stopping
            #expect(took < .seconds(3), "stopped in \(took)")
            let rows = try await fixture.pool.query("""
                SELECT count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE locked_until IS NOT NULL) AS claimed,
                       count(*) FILTER (WHERE reply IS NOT NULL) AS kept, coalesce(max(attempts), 0) AS attempts
                FROM telegram_inbox
                """)[0]
            #expect(try rows.decode("pending", as: Int.self) == 200, "the backlog stays in the inbox")
            #expect(try rows.decode("claimed", as: Int.self) == 0, "the updates in hand were handed back")
            #expect(try rows.decode("kept", as: Int.self) > 0, "with the replies made for them")
            #expect(try rows.decode("attempts", as: Int.self) == 0, "a stop costs no attempt")
        }
    }
}

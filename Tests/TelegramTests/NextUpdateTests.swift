import Foundation
import MarketStore
import MarketTestSupport
import Synchronization
import TelegramChannel
import Testing

/// A chat's next update is taken up the moment the one before it is finished, not at the next
/// sweep of the inbox: here the sweep is a minute away, so only that path can answer in time.
extension TelegramDatabaseTests {
    @Suite struct NextUpdateTests {
        /// Answers at once and, like a user answering the reply, has the chat's next message
        /// arrive (stored and offered, as the webhook does) while this one is being finished.
        final class ConversingHandler: TelegramMessageHandler {
            let inbox: TelegramInbox
            let bot: String
            let last: Int64
            let processor = Mutex<InboxProcessor?>(nil)
            let handled = Mutex<[Int64]>([])

            init(inbox: TelegramInbox, bot: String, last: Int64) {
                self.inbox = inbox
                self.bot = bot
                self.last = last
            }

            func reply(to message: InboundMessage) async throws -> TelegramReply {
                handled.withLock { $0.append(message.updateID) }
                let next = message.updateID + 1
                if next <= last {
                    let (inbox, bot, processor) = (inbox, bot, processor.withLock { $0 })
                    // After the reply is sent, while marking the update done commits.
                    let delay = Duration.milliseconds(150)
                    Task {
                        try await Task.sleep(for: delay)
                        let data = try JSONSerialization.data(withJSONObject: FakeTelegram.textUpdate(next, chat: 9, text: "m\(next)"))
                        if let key = try await inbox.storeNew(try RawUpdate.parse(body: Array(data)).update, chat: 9, bot: bot) {
                            processor?.offer(key)
                        }
                    }
                }
                return .text("re \(message.updateID)")
            }
        }

        @Test func aChatsNextUpdateIsClaimedAsSoonAsThePreviousOneIsDone() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            try await fixture.fake.warmUp()
            // Marking an update done takes half a second to commit (as with a slow disk or a
            // synchronous standby): the chat's next update arrives after the statement that
            // claims it with the finish has looked, and before the finish is visible.
            _ = try await fixture.pool.query("""
                CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.5); RETURN NULL; END $$
                """)
            _ = try await fixture.pool.query("""
                CREATE CONSTRAINT TRIGGER slow_commit AFTER UPDATE ON telegram_inbox DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW WHEN (NEW.status = 'done' AND OLD.status = 'pending') EXECUTE FUNCTION slow_commit()
                """)
            let last: Int64 = 4
            let handler = ConversingHandler(inbox: fixture.inbox, bot: fixture.bot.id, last: last)
            var configuration = InboxProcessor.Configuration(pollInterval: .seconds(60), perChatInterval: .zero)
            configuration.perBotInterval = .zero
            configuration.perBotPerSecond = 10_000
            let processor = InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: handler,
                                           configuration: configuration, logger: fixture.logs.logger)
            handler.processor.withLock { $0 = processor }
            let running = Task { await processor.run() }
            // The first arrives as the webhook stores it; each next one while its predecessor is finished.
            let data = try JSONSerialization.data(withJSONObject: FakeTelegram.textUpdate(1, chat: 9, text: "m1"))
            let first = try #require(try await fixture.inbox.storeNew(try RawUpdate.parse(body: Array(data)).update, chat: 9, bot: fixture.bot.id))
            processor.offer(first)
            let started = ContinuousClock.now
            let done = try await fixture.eventually(.seconds(15)) {
                let rows = try await fixture.inboxRows()
                return rows.count == Int(last) && rows.allSatisfy { $0.status == "done" }
            }
            let took = ContinuousClock.now - started
            running.cancel()
            await running.value
            #expect(done, "every update answered without a sweep: \(handler.handled.withLock { $0 }.count) of \(last)")
            #expect(handler.handled.withLock { $0 } == Array(1...last), "in order, each once")
            #expect(took < .seconds(10), "\(last) round trips in \(took), the sweep being a minute away")
        }
    }
}

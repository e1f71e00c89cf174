import Foundation
import Logging
import MarketStore
import MarketTestSupport
import ServiceLifecycle
import Synchronization
import TelegramChannel
import Testing

extension TelegramDatabaseTests {
    /// The channel under a `ServiceGroup`: pollers follow the bots while it runs, and a graceful
    /// shutdown lets the replies in hand finish.
    @Suite struct ChannelLifecycleTests {
        /// Advisory locks held in the fixture's database (a polling replica holds one per bot).
        func pollLocks(_ fixture: TelegramFixture) async throws -> Int {
            try await fixture.pool.query("""
                SELECT count(*)::int AS n FROM pg_locks
                WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """)[0].decode("n", as: Int.self)
        }

        @Test func aRemovedBotsPollerIsStoppedAndReleasesItsLock() async throws {
            let fixture = try await TelegramFixture.make(mode: .polling)
            defer { Task { await fixture.close() } }
            // Telegram holds each poll for 20 s: the poller itself would notice the removal only
            // at its next poll, so a stop within seconds is the runtime's.
            let runtime = TelegramRuntime(pool: fixture.pool, connectionString: fixture.connectionString, box: fixture.box, handler: UppercasingHandler(),
                                          processing: .init(pollInterval: .seconds(5)),
                                          polling: .init(pollTimeout: 20, standbyInterval: .milliseconds(100), retryInterval: .milliseconds(100)),
                                          refreshInterval: .milliseconds(200), logger: fixture.logs.logger)
            let group = ServiceGroup(configuration: .init(services: [.init(service: runtime)], logger: Logger(label: "test")))
            let running = Task { try await group.run() }
            #expect(try await fixture.eventually { try await !fixture.fake.requests("getUpdates").isEmpty })
            #expect(try await pollLocks(fixture) == 1, "the poller holds the bot's lock")

            _ = try await fixture.pool.query("DELETE FROM telegram_bots WHERE id = $1", [fixture.bot.id])
            let removed = ContinuousClock.now
            #expect(try await fixture.eventually { try await pollLocks(fixture) == 0 }, "the poller's session ended")
            let took = ContinuousClock.now - removed
            #expect(took < .seconds(5), "stopped by the runtime in \(took), not at the end of the 20 s poll")
            let polls = try await fixture.fake.requests("getUpdates").count
            try await Task.sleep(for: .seconds(1))
            #expect(try await fixture.fake.requests("getUpdates").count == polls, "no poll after the removal")

            await group.triggerGracefulShutdown()
            try await running.value
        }

        @Test func aGracefulShutdownLetsTheReplyInHandFinish() async throws {
            let fixture = try await TelegramFixture.make(mode: .polling)
            defer { Task { await fixture.close() } }
            let handler = UppercasingHandler(delay: .milliseconds(800))
            let runtime = TelegramRuntime(pool: fixture.pool, connectionString: fixture.connectionString, box: fixture.box, handler: handler,
                                          processing: .init(pollInterval: .milliseconds(50)),
                                          polling: .init(pollTimeout: 20, standbyInterval: .milliseconds(100), retryInterval: .milliseconds(100)),
                                          refreshInterval: .milliseconds(200), logger: fixture.logs.logger)
            let group = ServiceGroup(configuration: .init(services: [.init(service: runtime)], logger: Logger(label: "test")))
            let running = Task { try await group.run() }
            try await fixture.fake.queue([FakeTelegram.textUpdate(7, chat: 1001, text: "still there?")])
            #expect(try await fixture.eventually { handler.seen.withLock { $0.count } == 1 }, "the reply is being made")

            let stopping = ContinuousClock.now
            await group.triggerGracefulShutdown()
            try await running.value
            let took = ContinuousClock.now - stopping
            // Cancelling instead would have handed the update back unanswered.
            #expect(try await fixture.fake.requests("sendMessage").map { $0.string("text") } == ["STILL THERE?"])
            #expect(try await fixture.inboxRows().map(\.status) == ["done"])
            #expect(took < .seconds(5), "the 20 s poll in flight was abandoned: \(took)")
            #expect(try await pollLocks(fixture) == 0, "the poller released its lock before the runtime returned")
        }
    }
}

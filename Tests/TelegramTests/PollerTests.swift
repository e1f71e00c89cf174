import Foundation
import MarketStore
import MarketTestSupport
import TelegramChannel
import Testing

extension TelegramDatabaseTests {
    @Suite struct PollerTests {
        func poller(_ fixture: TelegramFixture) -> LongPoller {
            LongPoller(botID: fixture.bot.id, connectionString: fixture.connectionString, bots: fixture.bots,
                       configuration: .init(pollTimeout: 1, standbyInterval: .milliseconds(100), retryInterval: .milliseconds(100)),
                       logger: fixture.logs.logger)
        }

        func storedOffset(_ fixture: TelegramFixture) async throws -> Int64? {
            try await fixture.pool.query("SELECT next_offset FROM telegram_poll_offsets").first?.decode("next_offset")
        }

        @Test func offsetsAreStoredWithTheUpdatesAndUsedAfterARestart() async throws {
            let fixture = try await TelegramFixture.make(mode: .polling)
            defer { Task { await fixture.close() } }
            try await fixture.fake.queue((1...3).map { FakeTelegram.textUpdate($0, chat: 9, text: "u\($0)") })
            let first = poller(fixture)
            var running = Task { await first.run() }
            #expect(try await fixture.eventually { try await storedOffset(fixture) == 4 })
            #expect(try await fixture.inboxRows().map(\.updateID) == [1, 2, 3])
            #expect(try await fixture.eventually { try await fixture.fake.requests("getUpdates").contains { $0.int("offset") == 4 } })
            running.cancel()
            await running.value

            try await fixture.fake.queue([FakeTelegram.textUpdate(4, chat: 9, text: "u4")])
            let before = try await fixture.fake.requests("getUpdates").count
            let second = poller(fixture)
            running = Task { await second.run() }
            #expect(try await fixture.eventually { try await storedOffset(fixture) == 5 })
            running.cancel()
            await running.value
            let polls = try await fixture.fake.requests("getUpdates")
            #expect(polls[before].int("offset") == 4, "the restarted poller starts at the stored offset")
            #expect(polls.allSatisfy { $0.int("timeout") == 1 })
            #expect(try await fixture.inboxRows().map(\.updateID) == [1, 2, 3, 4])
        }

        @Test func onlyOnePollerRunsPerBotAndAnotherTakesOver() async throws {
            let fixture = try await TelegramFixture.make(mode: .polling)
            defer { Task { await fixture.close() } }
            let one = poller(fixture)
            let two = poller(fixture)
            let first = Task { await one.run() }
            let second = Task { await two.run() }
            #expect(try await fixture.eventually { one.isPolling || two.isPolling })
            try await Task.sleep(for: .milliseconds(500))
            #expect(one.isPolling != two.isPolling, "exactly one holds the lock")
            let (leader, standby, leaderTask, standbyTask) = one.isPolling ? (one, two, first, second) : (two, one, second, first)
            #expect(standby.polls == 0)
            #expect(leader.polls >= 1)
            leaderTask.cancel()
            await leaderTask.value
            #expect(try await fixture.eventually { standby.isPolling && standby.polls >= 1 })
            try await fixture.fake.queue([FakeTelegram.textUpdate(1, chat: 3, text: "after the takeover")])
            #expect(try await fixture.eventually { try await fixture.inboxRows().map(\.updateID) == [1] })
            standbyTask.cancel()
            await standbyTask.value
        }

        @Test func stoppingAPollerDoesNotWaitOutTheLongPoll() async throws {
            let fixture = try await TelegramFixture.make(mode: .polling)
            defer { Task { await fixture.close() } }
            let poller = LongPoller(botID: fixture.bot.id, connectionString: fixture.connectionString, bots: fixture.bots,
                                    configuration: .init(pollTimeout: 30), logger: fixture.logs.logger)
            let running = Task { await poller.run() }
            #expect(try await fixture.eventually { try await !fixture.fake.requests("getUpdates").isEmpty })
            let stopping = ContinuousClock.now
            running.cancel()
            await running.value
            #expect(ContinuousClock.now - stopping < .seconds(5), "a 30 s long poll was abandoned")
            #expect(!poller.isPolling)
        }
    }
}

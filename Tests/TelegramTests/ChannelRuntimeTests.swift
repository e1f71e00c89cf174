import Foundation
import MarketTestSupport
import TelegramChannel
import Testing

extension TelegramDatabaseTests {
    /// The channel end to end: an update from Telegram, through the inbox and the test
    /// handler, to the reply Telegram receives.
    @Suite struct ChannelRuntimeTests {
        func runtime(_ fixture: TelegramFixture) -> TelegramRuntime {
            // The fixture's bots were sealed under its own box; the runtime opens them with the same key.
            TelegramRuntime(pool: fixture.pool, connectionString: fixture.connectionString, box: fixture.box, handler: UppercasingHandler(),
                            processing: .init(pollInterval: .seconds(5)),
                            polling: .init(pollTimeout: 1, standbyInterval: .milliseconds(100), retryInterval: .milliseconds(100)),
                            refreshInterval: .milliseconds(200), logger: fixture.logs.logger)
        }

        @Test func aWebhookUpdateIsAnsweredWithoutWaitingForThePollInterval() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            let runtime = runtime(fixture)
            try await WebhookServer.serving(runtime.webhook) { server in
                let running = Task { await runtime.run() }
                try await WebhookReconciler(credentials: try await fixture.credentials, logger: fixture.logs.logger)
                    .reconcile(publicBase: "http://127.0.0.1:\(server.port)")
                let started = ContinuousClock.now
                #expect(try await fixture.fake.deliver(FakeTelegram.textUpdate(1, chat: -300, text: "ping from the group")) == 200)
                #expect(try await fixture.eventually { try await !fixture.fake.requests("sendMessage").isEmpty })
                #expect(ContinuousClock.now - started < .seconds(3), "woken by the delivery, not the 5 s poll")
                let sent = try await fixture.fake.requests("sendMessage")
                #expect(sent.map { $0.string("text") } == ["PING FROM THE GROUP"])
                #expect(sent.first?.int("reply_to_message_id") == 10, "in a group the reply quotes the message")
                running.cancel()
                await running.value
            }
        }

        @Test func aPollingBotIsPolledAndAnswered() async throws {
            let fixture = try await TelegramFixture.make(mode: .polling)
            defer { Task { await fixture.close() } }
            let runtime = runtime(fixture)
            let running = Task { await runtime.run() }
            try await fixture.fake.queue([FakeTelegram.textUpdate(5, chat: 1001, text: "hello")])
            #expect(try await fixture.eventually { try await fixture.fake.requests("sendMessage").map { $0.string("text") } == ["HELLO"] })
            #expect(try await fixture.eventually { try await fixture.inboxRows().map(\.status) == ["done"] })
            running.cancel()
            await running.value
            #expect(fixture.logs.lines.text.contains("polling Telegram for updates"))
            #expect(!fixture.logs.lines.text.contains(FakeTelegram.token.value), "the token is never logged")
        }
    
        @Test func switchingAPollingBotToAWebhookStopsItsPoller() async throws {
            let fixture = try await TelegramFixture.make(mode: .polling)
            defer { Task { await fixture.close() } }
            // The list of bots is read again only after 30 s: the switch must reach the poller by itself.
            let runtime = TelegramRuntime(pool: fixture.pool, connectionString: fixture.connectionString, box: fixture.box, handler: UppercasingHandler(),
                                          processing: .init(pollInterval: .seconds(5)),
                                          polling: .init(pollTimeout: 1, standbyInterval: .milliseconds(100), retryInterval: .milliseconds(100)),
                                          refreshInterval: .seconds(30), logger: fixture.logs.logger)
            let running = Task { await runtime.run() }
            #expect(try await fixture.eventually { try await !fixture.fake.requests("getUpdates").isEmpty })
            // What `market telegram set-webhook` does while `market serve` runs.
            try await WebhookServer.serving(runtime.webhook) { server in
                try await WebhookReconciler(credentials: try await fixture.credentials, logger: fixture.logs.logger)
                    .reconcile(publicBase: "http://127.0.0.1:\(server.port)")
                try await fixture.bots.setMode(.webhook, bot: fixture.bot.id)
                try await Task.sleep(for: .seconds(2))
                let polls = try await fixture.fake.requests("getUpdates").count
                try await Task.sleep(for: .seconds(1.5))
                #expect(try await fixture.fake.requests("getUpdates").count == polls, "no getUpdates after the switch")
                #expect(fixture.logs.lines.text.contains("the bot no longer polls for updates"))
            }
            running.cancel()
            await running.value
        }
    }
}

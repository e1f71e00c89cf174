import Foundation
import MarketTestSupport
import TelegramChannel
import Testing

extension TelegramDatabaseTests {
    @Suite struct WebhookTests {
        /// A fixture whose fake Telegram has the bot's webhook pointed at a loopback server.
        func withWebhook(_ body: @Sendable (TelegramFixture, WebhookServer) async throws -> Void) async throws {
            let fixture = try await TelegramFixture.make()
            let handler = WebhookHandler(bots: fixture.bots, inbox: fixture.inbox, logger: fixture.logs.logger)
            do {
                try await WebhookServer.serving(handler) { server in
                    let credentials = try await fixture.credentials
                    let reconciler = WebhookReconciler(credentials: credentials, logger: fixture.logs.logger)
                    #expect(try await reconciler.reconcile(publicBase: "http://127.0.0.1:\(server.port)") == .set)
                    try await body(fixture, server)
                }
            } catch {
                await fixture.close()
                throw error
            }
            await fixture.close()
        }

        @Test func aDuplicateUpdateIsAcknowledgedAndStoredOnce() async throws {
            try await withWebhook { (fixture: TelegramFixture, _: WebhookServer) async throws in
                let update = FakeTelegram.textUpdate(7, chat: 1001, text: "hello")
                #expect(try await fixture.fake.deliver(update) == 200)
                #expect(try await fixture.fake.deliver(update) == 200)
                let rows = try await fixture.inboxRows()
                #expect(rows.map(\.updateID) == [7])
                // And processed once.
                let handler = UppercasingHandler()
                let processor = InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: handler,
                                               configuration: .init(pollInterval: .milliseconds(20)), logger: fixture.logs.logger)
                let running = Task { await processor.run() }
                #expect(try await fixture.eventually { try await fixture.inboxRows().map(\.status) == ["done"] })
                running.cancel()
                await running.value
                #expect(handler.updateIDs == [7])
                #expect(try await fixture.fake.requests("sendMessage").compactMap { $0.string("text") } == ["HELLO"])
            }
        }

        @Test func aWrongSecretTokenIsRefusedAndTheRightOneAccepted() async throws {
            try await withWebhook { (fixture: TelegramFixture, _: WebhookServer) async throws in
                #expect(try await fixture.fake.deliver(FakeTelegram.textUpdate(1, chat: 5, text: "x"), secret: "wrong-secret") == 401)
                #expect(try await fixture.fake.deliver(FakeTelegram.textUpdate(2, chat: 5, text: "x"), secret: "") == 401)
                #expect(try await fixture.inboxRows().isEmpty)
                #expect(try await fixture.fake.deliver(FakeTelegram.textUpdate(3, chat: 5, text: "x")) == 200)
                #expect(try await fixture.inboxRows().map(\.updateID) == [3])
                #expect(fixture.logs.lines.text.contains("wrong secret token"))
            }
        }

        @Test func unknownBotsAndBadBodiesAreRefused() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            let handler = WebhookHandler(bots: fixture.bots, inbox: fixture.inbox, logger: fixture.logs.logger)
            let secret = try await fixture.credentials.secretToken
            let header = [(name: "x-telegram-bot-api-secret-token", value: secret)]
            #expect(await handler.handle(botID: "tgb_" + String(repeating: "0", count: 32), headers: header, body: Array("{}".utf8)) == 404)
            #expect(await handler.handle(botID: "../etc", headers: header, body: []) == 404)
            #expect(await handler.handle(botID: fixture.bot.id, headers: header, body: Array("not json".utf8)) == 400)
            #expect(await handler.handle(botID: fixture.bot.id, headers: header, body: Array(#"{"update_id": 5, "message": 3}"#.utf8)) == 400)
            #expect(await handler.handle(botID: fixture.bot.id, headers: header, body: Array(#"{"update_id": 6}"#.utf8)) == 200)
            #expect(try await fixture.inboxRows().map(\.updateID) == [6])
        }

        @Test func reconcilingSetsTheWebhookOnlyWhenItDiffers() async throws {
            try await withWebhook { (fixture: TelegramFixture, server: WebhookServer) async throws in
                let reconciler = WebhookReconciler(credentials: try await fixture.credentials, logger: fixture.logs.logger)
                #expect(try await reconciler.reconcile(publicBase: "http://127.0.0.1:\(server.port)") == .unchanged)
                let sets = try await fixture.fake.requests("setWebhook")
                #expect(sets.count == 1)
                #expect(sets[0].string("url") == server.url(for: fixture.bot))
                #expect(sets[0].string("secret_token") == (try await fixture.credentials.secretToken))
                #expect(try await reconciler.reconcile(publicBase: "http://127.0.0.1:1/") == .set)
            }
        }
    }
}

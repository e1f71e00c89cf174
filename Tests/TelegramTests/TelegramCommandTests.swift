import Foundation
import MarketStore
import MarketTestSupport
import StoreTestSupport
import TelegramChannel
import Testing

extension TelegramDatabaseTests {
    /// `market telegram connect|set-webhook|list` run from the built executable against a
    /// fresh database and the Bot API fake.
    @Suite struct TelegramCommandTests {
        func market(_ arguments: [String], database: String, state: URL, token: String = FakeTelegram.token.value) async throws -> ProcessOutput {
            let market = buildProductsDirectory.appendingPathComponent("market").path
            return try await runProcess(market, arguments + ["--state-dir", state.path],
                                        environment: ["DATABASE_URL": database, "MARKET_MASTER_KEY": "", "TELEGRAM_BOT_TOKEN": token, "USER": "operator"])
        }

        @Test func connectRegistersTheBotAndReconcilesItsWebhook() async throws {
            let database = try await freshDatabase()
            let state = try temporaryDirectory("telegram-cli")
            defer { try? FileManager.default.removeItem(at: state) }
            let fake = try await FakeTelegram.start()
            #expect(try await market(["db", "migrate"], database: database, state: state).status == 0)
            #expect(try await market(["tenant", "create", "acme"], database: database, state: state).status == 0)

            let connected = try await market(["telegram", "connect", "--tenant", "acme", "--api-base", fake.base,
                                              "--webhook-base", "http://127.0.0.1:8080"], database: database, state: state)
            #expect(connected.status == 0, "\(connected.stderr)")
            let id = try #require(connected.stdout.split(separator: " ").first { $0.hasPrefix("tgb_") }.map(String.init))
            #expect(connected.stdout.hasPrefix("connected @fake_market_bot for tenant acme as \(id) (webhook)"))
            #expect(connected.stdout.contains("webhook: http://127.0.0.1:8080/telegram/\(id)"))
            #expect(!(connected.stdout + connected.stderr).contains(FakeTelegram.token.value))
            let sets = try await fake.requests("setWebhook")
            #expect(sets.count == 1)
            #expect(sets.first?.string("url") == "http://127.0.0.1:8080/telegram/\(id)")
            #expect((sets.first?.string("secret_token")?.count ?? 0) >= 32)

            // The same bot again: updated, same id; the webhook is right already, so no setWebhook.
            let again = try await market(["telegram", "set-webhook", id, "--url", "http://127.0.0.1:8080"], database: database, state: state)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout == "the webhook of \(id) is already http://127.0.0.1:8080/telegram/\(id)\n")
            #expect(try await fake.requests("setWebhook").count == 1)
            #expect(try await fake.requests("getWebhookInfo").count == 2)

            let listed = try await market(["telegram", "list"], database: database, state: state)
            #expect(listed.stdout == "\(id)  acme  @fake_market_bot  webhook\n")
        }

        @Test func badInputGetsAClearError() async throws {
            let database = try await freshDatabase()
            let state = try temporaryDirectory("telegram-cli")
            defer { try? FileManager.default.removeItem(at: state) }
            let fake = try await FakeTelegram.start()
            #expect(try await market(["db", "migrate"], database: database, state: state).status == 0)
            let noTenant = try await market(["telegram", "connect", "--tenant", "nobody", "--api-base", fake.base], database: database, state: state)
            #expect(noTenant.status != 0)
            #expect(noTenant.stderr.contains("TENANT_NOT_FOUND"))
            let malformed = try await market(["telegram", "connect", "--tenant", "acme"], database: database, state: state, token: "12345")
            #expect(malformed.stderr.contains("TELEGRAM_TOKEN_INVALID") && malformed.stderr.contains("fix: "))
            let revoked = "123456:bad" + String(repeating: "x", count: 30)
            let refused = try await market(["telegram", "connect", "--tenant", "acme", "--api-base", fake.base], database: database, state: state, token: revoked)
            #expect(refused.stderr.contains("TELEGRAM_TOKEN_INVALID"))
            #expect(!refused.stderr.contains(revoked))
            let mode = try await market(["telegram", "connect", "--tenant", "acme", "--mode", "carrier-pigeon"], database: database, state: state)
            #expect(mode.status != 0 && mode.stderr.contains("--mode must be webhook or polling"))
        }
    }
}

@Suite struct TelegramHelpTests {
    @Test func helpNamesTheSubcommandsAndWhereTheTokenComesFrom() async throws {
        let market = buildProductsDirectory.appendingPathComponent("market").path
        let group = try await runProcess(market, ["telegram", "--help"])
        #expect(group.status == 0)
        for name in ["connect", "set-webhook", "list"] { #expect(group.stdout.contains("  \(name) ")) }
        let connect = try await runProcess(market, ["telegram", "connect", "--help"])
        #expect(connect.stdout.contains("$TELEGRAM_BOT_TOKEN or standard input"))
        #expect(connect.stdout.contains("--webhook-base"))
    }
}

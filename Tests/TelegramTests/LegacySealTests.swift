import Foundation
import MarketCore
import MarketStore
import StoreTestSupport
import TelegramChannel
import Testing

extension TelegramDatabaseTests {
    /// Bots connected before the channel sealed with the store's `SecretBox` keep working.
    @Suite struct LegacySealTests {
        static func sealing(_ pool: DatabasePool, _ id: String) async throws -> String {
            try await pool.query("SELECT sealing FROM telegram_bots WHERE id = $1", [id])[0].decode("sealing")
        }

        @Test func aBotSealedTheOldWayOpensAfterTheMigrationAndIsResealed() async throws {
            let pool = DatabasePool(connectionString: try await freshDatabase(), configuration: .init(size: 2), logger: quietLogger)
            pool.start()
            // The database as the release before left it: migrations up to 8, bots sealed by the old box.
            try await Migrator(migrations: BuiltInMigrations.all.filter { $0.version <= 8 }).apply(using: pool, logger: quietLogger)
            let keyBytes = (0..<32).map { _ in UInt8.random(in: 0...255) }
            let key = try MasterKey(bytes: keyBytes)
            let old = "tgb_" + String(repeating: "ab", count: 16)
            let altered = "tgb_" + String(repeating: "cd", count: 16)
            _ = try await pool.query("INSERT INTO tenants (id, name) VALUES ('acme', 'Acme')")
            for (id, telegramID, sealedBy) in [(old, 123456, keyBytes), (altered, 654321, (0..<32).map { _ in UInt8.random(in: 0...255) })] {
                _ = try await pool.query("""
                    INSERT INTO telegram_bots (id, tenant_id, telegram_id, username, token_sealed, secret_sealed, key_id, mode)
                    VALUES ($1, 'acme', $2, 'old_bot', $3, $4, $5, 'polling')
                    """, [id, telegramID, try legacyBotSeal(FakeTelegram.token.value, bot: id, field: "token", key: sealedBy),
                          try legacyBotSeal("old-webhook-secret", bot: id, field: "secret", key: sealedBy), key.id])
            }

            try await Migrator().apply(using: pool, logger: quietLogger)
            #expect(try await Self.sealing(pool, old) == "telegram/1")
            let box = SecretBox(key: key)
            let bots = TelegramBots(pool: pool, box: box, logger: quietLogger)
            let credentials = try #require(try await bots.credentials(old))
            #expect(credentials.token.value == FakeTelegram.token.value)
            #expect(credentials.secretToken == "old-webhook-secret")
            #expect(credentials.bot.mode == .polling)

            // Re-sealed by the store's box: it opens the row directly now, and so does the next read.
            #expect(try await Self.sealing(pool, old) == "secret/1")
            let row = try await pool.query("SELECT token_sealed, key_id FROM telegram_bots WHERE id = $1", [old])[0]
            let sealed = SecretBox.Sealed(combined: try row.decode("token_sealed"), keyID: try row.decode("key_id"))
            #expect(try box.open(sealed, for: .telegramBot(old, field: "token")) == FakeTelegram.token.value)
            #expect(try await bots.credentials(old)?.secretToken == "old-webhook-secret")

            // A row that does not open under the key is refused by its code, and left as it was.
            let error = await #expect(throws: MarketError.self) { try await bots.credentials(altered) }
            #expect(error?.code == .secretUnreadable)
            #expect(try await Self.sealing(pool, altered) == "telegram/1")
            await pool.shutdown()
        }

        @Test func connectingAnOldBotAgainKeepsItsWebhookSecret() async throws {
            let pool = DatabasePool(connectionString: try await freshDatabase(), configuration: .init(size: 2), logger: quietLogger)
            pool.start()
            try await Migrator(migrations: BuiltInMigrations.all.filter { $0.version <= 8 }).apply(using: pool, logger: quietLogger)
            let keyBytes = (0..<32).map { _ in UInt8.random(in: 0...255) }
            let key = try MasterKey(bytes: keyBytes)
            let id = "tgb_" + String(repeating: "ef", count: 16)
            _ = try await pool.query("INSERT INTO tenants (id, name) VALUES ('acme', 'Acme')")
            _ = try await pool.query("""
                INSERT INTO telegram_bots (id, tenant_id, telegram_id, username, token_sealed, secret_sealed, key_id)
                VALUES ($1, 'acme', $2, 'old_bot', $3, $4, $5)
                """, [id, FakeTelegram.token.botUserID, try legacyBotSeal("123456:AAOldTokenOldTokenOldTokenOldToken", bot: id, field: "token", key: keyBytes),
                      try legacyBotSeal("kept-secret", bot: id, field: "secret", key: keyBytes), key.id])
            try await Migrator().apply(using: pool, logger: quietLogger)

            let bots = TelegramBots(pool: pool, box: SecretBox(key: key), logger: quietLogger)
            let (bot, created) = try await bots.connect(tenant: "acme", token: FakeTelegram.token, username: "new_name", mode: .webhook)
            #expect(!created && bot.id == id)
            let credentials = try #require(try await bots.credentials(id))
            #expect(credentials.token.value == FakeTelegram.token.value)
            #expect(credentials.secretToken == "kept-secret")
            #expect(try await Self.sealing(pool, id) == "secret/1")
            await pool.shutdown()
        }
    }
}

import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// `MasterKeyRotation`: every tenant secret and bot credential re-sealed under a new key, in
    /// one transaction.
    @Suite struct MasterKeyRotationTests {
        static func configure(_ fixture: TenantFixture, _ tenant: String) async throws {
            try await fixture.store.createTenant(tenant, by: fixture.admin)
            try await fixture.store.configure("crm", tenant: tenant, with: .object(["workspace": .string("ws"), "api_token": .string("\(tenant)-token-1")]),
                                              by: fixture.admin)
            try await fixture.store.setSecret("webhook_secret", value: "\(tenant)-hook", plugin: "crm", tenant: tenant, by: fixture.admin)
        }

        static func keyIDs(_ fixture: TenantFixture) async throws -> Set<String> {
            Set(try await fixture.sql("SELECT key_id FROM secrets UNION ALL SELECT key_id FROM telegram_bots UNION ALL SELECT key_id FROM connections")
                .map { $0[0] ?? "" })
        }

        @Test func everySecretAndBotCredentialOpensUnderTheNewKeyOnly() async throws {
            let keyBytes = (0..<32).map { _ in UInt8.random(in: 0...255) }
            let key = try MasterKey(bytes: keyBytes)
            let fixture = try await TenantFixture.make(key: key)
            for tenant in ["acme", "globex"] { try await Self.configure(fixture, tenant) }
            // One bot sealed by the store's box, one as the Telegram channel's old box left it.
            let current = "tgb_" + String(repeating: "1", count: 32)
            let legacy = "tgb_" + String(repeating: "2", count: 32)
            let box = fixture.store.box
            try await fixture.sql("""
                INSERT INTO telegram_bots (id, tenant_id, telegram_id, token_sealed, secret_sealed, key_id, sealing)
                VALUES ($1, 'acme', 1, $2, $3, $4, 'secret/1'), ($5, 'globex', 2, $6, $7, $4, 'telegram/1')
                """, [current, try box.seal("1:current-token", for: .telegramBot(current, field: "token")).combined,
                      try box.seal("current-secret", for: .telegramBot(current, field: "secret")).combined, key.id,
                      legacy, try legacyBotSeal("2:legacy-token", bot: legacy, field: "token", key: keyBytes),
                      try legacyBotSeal("legacy-secret", bot: legacy, field: "secret", key: keyBytes)])

            try await ConnectionStore(tenants: fixture.store, logger: fixture.logs.logger)
                .storeAuthorization(OAuthTokens(accessToken: "acme-access", refreshToken: "acme-refresh", expiresAt: nil), plugin: "crm", tenant: "acme", by: fixture.admin)

            let new = MasterKey.generate()
            let outcome = try await MasterKeyRotation(from: key, to: new).run(using: fixture.pool, logger: fixture.logs.logger)
            #expect(outcome.secrets == 4 && outcome.telegramBots == 2 && outcome.connections == 1)
            #expect(try await Self.keyIDs(fixture) == [new.id])
            let reopened = ConnectionStore(tenants: fixture.store(key: new), logger: fixture.logs.logger)
            #expect(try reopened.accessToken(KeyValueNamespace(tenantID: "acme", pluginID: "crm")) == "acme-access")
            let refresh = try await fixture.sql("SELECT encode(refresh_sealed, 'hex') FROM connections")[0][0] ?? ""
            #expect(try SecretBox(key: new).open(SecretBox.Sealed(combined: Self.bytes(hex: refresh), keyID: new.id),
                                                 for: .connection(tenant: "acme", plugin: "crm", field: "refresh")) == "acme-refresh")

            let rotated = fixture.store(key: new)
            for tenant in ["acme", "globex"] {
                #expect(try await rotated.settingsForInstance("crm", tenant: tenant).secrets
                        == ["api_token": "\(tenant)-token-1", "webhook_secret": "\(tenant)-hook"])
            }
            #expect(await marketError { try await fixture.store.settingsForInstance("crm", tenant: "acme") }?.code == .secretUnreadable)

            let newBox = SecretBox(key: new)
            for (id, token, secret) in [(current, "1:current-token", "current-secret"), (legacy, "2:legacy-token", "legacy-secret")] {
                let row = try await fixture.sql("SELECT encode(token_sealed, 'hex'), encode(secret_sealed, 'hex'), key_id, sealing FROM telegram_bots WHERE id = $1", [id])[0]
                #expect(row[3] == "secret/1")
                let opened = try [(row[0], "token"), (row[1], "secret")].map { hex, field in
                    try newBox.open(SecretBox.Sealed(combined: Self.bytes(hex: hex ?? ""), keyID: row[2] ?? ""), for: .telegramBot(id, field: field))
                }
                #expect(opened == [token, secret])
            }
            await fixture.close()
        }

        @Test func aValueThatDoesNotOpenLeavesEveryRowAsItWas() async throws {
            let fixture = try await TenantFixture.make()
            for tenant in ["acme", "globex"] { try await Self.configure(fixture, tenant) }
            try await fixture.sql("""
                UPDATE secrets SET ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 1) WHERE tenant_id = 'globex' AND name = 'webhook_secret'
                """)
            let before = try await fixture.snapshot()
            let error = await marketError { try await MasterKeyRotation(from: fixture.key, to: .generate()).run(using: fixture.pool, logger: fixture.logs.logger) }
            #expect(error?.code == .secretUnreadable)
            #expect(try await fixture.snapshot() == before)
            #expect(try await Self.keyIDs(fixture) == [fixture.key.id])
            #expect(try await fixture.store.settingsForInstance("crm", tenant: "acme").secrets["webhook_secret"] == "acme-hook")
            await fixture.close()
        }

        static func bytes(hex: String) -> [UInt8] {
            var bytes: [UInt8] = []
            var index = hex.startIndex
            while index < hex.endIndex {
                let next = hex.index(index, offsetBy: 2)
                bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
                index = next
            }
            return bytes
        }
    }
}

import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import Testing

extension DatabaseTests {
    /// Secrets: sealed with AES-GCM, bound to their row, readable only under their key, and never
    /// in errors, logs, audit entries or the config column.
    @Suite struct TenantSecretTests {
        static func configure(_ store: TenantStore, _ tenant: String, token: String, admin: Principal) async throws {
            try await store.configure("crm", tenant: tenant, with: .object(["workspace": .string("ws"), "api_token": .string(token)]), by: admin)
        }

        @Test func secretsRoundTripAndAreStoredEncrypted() async throws {
            let fixture = try await TenantFixture.make()
            let store = fixture.store
            try await store.createTenant("acme", by: fixture.admin)
            try await Self.configure(store, "acme", token: "token-12345", admin: fixture.admin)
            try await store.setSecret("webhook_secret", value: "whsec-é-😀", plugin: "crm", tenant: "acme", by: fixture.admin)
            #expect(try await store.secretNames("crm", tenant: "acme", by: fixture.admin) == ["api_token", "webhook_secret"])
            #expect(try store.allowedSecretNames("crm") == ["api_token", "webhook_secret"])

            let settings = try await store.settingsForInstance("crm", tenant: "acme")
            #expect(settings.secrets == ["api_token": "token-12345", "webhook_secret": "whsec-é-😀"])
            #expect(settings.instanceConfig == .object(["workspace": .string("ws"), "api_token": .string("token-12345"),
                                                        "page_size": .number(25), "region": .string("eu")]))
            #expect(!settings.enabled)

            let rows = try await fixture.sql("SELECT name, encode(ciphertext, 'escape'), length(nonce), key_id FROM secrets ORDER BY name")
            #expect(rows.map { $0[0] } == ["api_token", "webhook_secret"])
            #expect(rows.allSatisfy { $0[1]?.contains("token-12345") == false && $0[1]?.contains("whsec") == false })
            #expect(rows.allSatisfy { $0[2] == "12" && $0[3] == fixture.key.id })

            // Replacing a secret seals it again with a fresh nonce.
            let nonce = try await fixture.sql("SELECT encode(nonce, 'hex') FROM secrets WHERE name = 'webhook_secret'")
            try await store.setSecret("webhook_secret", value: "whsec-2", plugin: "crm", tenant: "acme", by: fixture.admin)
            #expect(try await fixture.sql("SELECT encode(nonce, 'hex') FROM secrets WHERE name = 'webhook_secret'") != nonce)
            #expect(try await store.settingsForInstance("crm", tenant: "acme").secrets["webhook_secret"] == "whsec-2")

            try await store.deleteSecret("webhook_secret", plugin: "crm", tenant: "acme", by: fixture.admin)
            #expect(try await store.secretNames("crm", tenant: "acme", by: fixture.admin) == ["api_token"])
            #expect(await marketError { try await store.deleteSecret("webhook_secret", plugin: "crm", tenant: "acme", by: fixture.admin) }?.code == .secretNotFound)
            await fixture.close()
        }

        @Test func onlyNamesTheManifestAllowsAreStored() async throws {
            let fixture = try await TenantFixture.make()
            let store = fixture.store
            try await store.createTenant("acme", by: fixture.admin)
            let before = try await fixture.snapshot()
            let refused = await marketError { try await store.setSecret("api_key", value: "sk-1", plugin: "crm", tenant: "acme", by: fixture.admin) }
            #expect(refused?.code == .secretNotAllowed)
            #expect(refused?.message.contains("api_token, webhook_secret") == true)
            let empty = await marketError { try await store.setSecret("webhook_secret", value: "", plugin: "crm", tenant: "acme", by: fixture.admin) }
            #expect(empty?.code == .secretInvalid)
            // A secret config field's own schema applies when it is set as a secret.
            let short = await marketError { try await store.setSecret("api_token", value: "short", plugin: "crm", tenant: "acme", by: fixture.admin) }
            #expect(short?.code == .secretInvalid)
            #expect(short?.message.contains("/api_token: must have at least 8 characters") == true)
            // The OpenAI provider's manifest allows api_key (permissions.secrets).
            try await store.setSecret("api_key", value: "sk-1", plugin: "openai", tenant: "acme", by: fixture.admin)
            #expect(try await fixture.snapshot().count == before.count + 2, "one secret row and one audit row")
            await fixture.close()
        }

        @Test func aCiphertextMovedToAnotherRowOrAlteredIsRefused() async throws {
            let fixture = try await TenantFixture.make()
            let store = fixture.store
            for id in ["acme", "globex"] {
                try await store.createTenant(id, by: fixture.admin)
                try await Self.configure(store, id, token: "\(id)-token-1", admin: fixture.admin)
                try await store.setSecret("webhook_secret", value: "\(id)-hook", plugin: "crm", tenant: id, by: fixture.admin)
            }
            // Copy globex's sealed api_token (ciphertext, nonce and key id) over acme's.
            try await fixture.sql("""
                UPDATE secrets AS a SET ciphertext = g.ciphertext, nonce = g.nonce, key_id = g.key_id FROM secrets AS g
                WHERE a.tenant_id = 'acme' AND a.name = 'api_token' AND g.tenant_id = 'globex' AND g.name = 'api_token'
                """)
            let moved = await marketError { try await store.settingsForInstance("crm", tenant: "acme") }
            #expect(moved?.code == .secretUnreadable)
            #expect(moved?.message.contains("api_token") == true)
            #expect(moved.map { !String(reflecting: $0).contains("globex-token-1") } ?? false)
            #expect(try await store.settingsForInstance("crm", tenant: "globex").secrets["api_token"] == "globex-token-1")

            // Within one tenant, a secret copied to another name is refused too.
            try await fixture.sql("""
                UPDATE secrets AS a SET ciphertext = b.ciphertext, nonce = b.nonce FROM secrets AS b
                WHERE a.tenant_id = 'globex' AND a.name = 'webhook_secret' AND b.tenant_id = 'globex' AND b.name = 'api_token'
                """)
            #expect(await marketError { try await store.settingsForInstance("crm", tenant: "globex") }?.code == .secretUnreadable)

            // One flipped bit of a ciphertext is refused.
            try await store.setSecret("webhook_secret", value: "globex-hook", plugin: "crm", tenant: "globex", by: fixture.admin)
            #expect(try await store.settingsForInstance("crm", tenant: "globex").secrets["webhook_secret"] == "globex-hook")
            try await fixture.sql("""
                UPDATE secrets SET ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 1) WHERE tenant_id = 'globex' AND name = 'webhook_secret'
                """)
            #expect(await marketError { try await store.settingsForInstance("crm", tenant: "globex") }?.code == .secretUnreadable)
            await fixture.close()
        }

        @Test func aSecretSealedUnderAnotherKeyIsReportedWithBothKeyIDs() async throws {
            let fixture = try await TenantFixture.make()
            try await fixture.store.createTenant("acme", by: fixture.admin)
            try await Self.configure(fixture.store, "acme", token: "token-12345", admin: fixture.admin)
            let other = MasterKey.generate()
            let error = await marketError { try await fixture.store(key: other).settingsForInstance("crm", tenant: "acme") }
            #expect(error?.code == .secretUnreadable)
            #expect(error?.message.contains(fixture.key.id) == true && error?.message.contains(other.id) == true)
            // Pretending the row is sealed under the other key does not help either.
            try await fixture.sql("UPDATE secrets SET key_id = $1", [other.id])
            #expect(await marketError { try await fixture.store(key: other).settingsForInstance("crm", tenant: "acme") }?.code == .secretUnreadable)
            await fixture.close()
        }

        @Test func secretValuesNeverAppearInErrorsLogsAuditOrConfig() async throws {
            let fixture = try await TenantFixture.make()
            let store = fixture.store
            let secret = "s3cr3t-" + UUID().uuidString
            var errors: [MarketError] = []
            func attempt(_ body: () async throws -> some Any) async {
                if let error = await marketError(body) { errors.append(error) }
            }
            try await store.createTenant("acme", by: fixture.admin)
            try await store.configure("crm", tenant: "acme", with: .object(["workspace": .string("acme"), "api_token": .string(secret)]), by: fixture.admin)
            try await store.setSecret("webhook_secret", value: secret + "-hook", plugin: "crm", tenant: "acme", by: fixture.admin)
            try await store.enable("crm", tenant: "acme", by: fixture.admin)
            _ = try await store.settingsForInstance("crm", tenant: "acme")
            // Refusals that carry the secret in their input.
            await attempt { try await store.configure("crm", tenant: "acme", with: .object(["api_token": .string(secret), "page_size": .string(secret)]), by: fixture.admin) }
            await attempt { try await store.configure("crm", tenant: "acme", with: .object(["workspace": .string(secret)]), by: fixture.admin) }
            await attempt { try await store.setSecret("nope", value: secret, plugin: "crm", tenant: "acme", by: fixture.admin) }
            await attempt { try await store.setSecret("webhook_secret", value: secret, plugin: "crm", tenant: "nobody", by: fixture.admin) }
            await attempt { try await store.setSecret("webhook_secret", value: secret, plugin: "crm", tenant: "acme", by: .tenant("globex", actor: "token:x")) }
            #expect(try await store.authenticate(secret) == nil)
            #expect(try await store.authenticate("mkt_" + secret.prefix(43)) == nil)
            try await fixture.sql("UPDATE secrets SET nonce = decode('000000000000000000000000', 'hex') WHERE name = 'api_token'")
            await attempt { try await store.settingsForInstance("crm", tenant: "acme") }
            #expect(errors.count == 6)
            #expect(errors[0].violations.map(\.path) == ["/page_size"])

            let everything = errors.map { "\($0) \(String(reflecting: $0))" }.joined() + fixture.logs.lines.text
                + (try await fixture.sql("SELECT row_to_json(a)::text FROM audit_log a")).flatMap { $0 }.compactMap { $0 }.joined()
                + (try await fixture.sql("SELECT config::text FROM plugin_installations")).flatMap { $0 }.compactMap { $0 }.joined()
            #expect(!fixture.logs.lines.text.isEmpty, "the store logged its changes")
            #expect(fixture.logs.lines.text.contains("secret set"))
            #expect(!everything.contains("s3cr3t"), "a secret value leaked")
            await fixture.close()
        }
    }
}

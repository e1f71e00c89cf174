import Foundation
import MarketCore
import MarketStore
import Testing

extension DatabaseTests {
    /// Plugin config for a tenant: validated against the manifest's schema, defaults filled in,
    /// secret fields kept out of the config column, enable refused while settings are missing.
    @Suite struct TenantConfigTests {
        static func json(_ text: String) throws -> JSONValue { try JSONValue(parsing: text) }

        @Test func invalidConfigIsRefusedWithEveryFieldAndNothingIsStored() async throws {
            let fixture = try await TenantFixture.make()
            let store = fixture.store
            try await store.createTenant("acme", by: fixture.admin)
            let before = try await fixture.snapshot()
            let error = await marketError {
                try await store.configure("crm", tenant: "acme", with: try Self.json("""
                    {"workspace": "Not Lower", "api_token": "short", "page_size": 500, "region": "mars", "colour": "red"}
                    """), by: fixture.admin)
            }
            #expect(error?.code == .configInvalid)
            #expect(error?.violations.map(\.description) == [
                "/api_token: must have at least 8 characters",
                "/colour: is not a known setting (known: api_token, page_size, region, workspace)",
                "/page_size: must be <= 100",
                "/region: must be one of \"eu\", \"us\"",
                "/workspace: must match the pattern ^[a-z]+$",
            ])
            #expect(error?.message.hasPrefix("the config of crm for tenant acme is invalid: /api_token") == true)
            #expect(try await fixture.snapshot() == before)

            // A later invalid change leaves the stored config as it was.
            try await store.configure("crm", tenant: "acme", with: try Self.json(#"{"workspace": "acme", "api_token": "token-12345"}"#), by: fixture.admin)
            let stored = try await fixture.snapshot()
            #expect(await marketError { try await store.configure("crm", tenant: "acme", with: try Self.json(#"{"page_size": 0}"#), by: fixture.admin) }?
                .violations.map(\.description) == ["/page_size: must be >= 1"])
            #expect(await marketError { try await store.configure("crm", tenant: "acme", with: .array([]), by: fixture.admin) }?.code == .configInvalid)
            #expect(try await fixture.snapshot() == stored)
            await fixture.close()
        }

        @Test func validConfigIsStoredWithDefaultsAndItsSecretFieldSealedApart() async throws {
            let fixture = try await TenantFixture.make()
            let store = fixture.store
            try await store.createTenant("acme", by: fixture.admin)
            let installation = try await store.configure("crm", tenant: "acme", with: try Self.json(#"{"workspace": "acme", "api_token": "token-12345"}"#),
                                                         by: fixture.admin)
            #expect(installation.config == (try Self.json(#"{"workspace": "acme", "page_size": 25, "region": "eu"}"#)))
            #expect(installation.secretNames == ["api_token"])
            #expect(!installation.enabled)
            let rows = try await fixture.sql("SELECT config::text FROM plugin_installations WHERE tenant_id = 'acme'")
            #expect(rows.count == 1 && rows[0][0]?.contains("token-12345") == false && rows[0][0]?.contains("api_token") == false)

            // Merging: given members replace stored ones; null removes one (its default returns).
            var next = try await store.configure("crm", tenant: "acme", with: try Self.json(#"{"page_size": 50, "region": "us"}"#), by: fixture.admin)
            #expect(next.config == (try Self.json(#"{"workspace": "acme", "page_size": 50, "region": "us"}"#)))
            next = try await store.configure("crm", tenant: "acme", with: try Self.json(#"{"region": null}"#), by: fixture.admin)
            #expect(next.config["region"] == .string("eu"))
            // Replacing: the object given is the whole config; the stored secret still counts.
            next = try await store.configure("crm", tenant: "acme", with: try Self.json(#"{"workspace": "other"}"#), mode: .replace, by: fixture.admin)
            #expect(next.config == (try Self.json(#"{"workspace": "other", "page_size": 25, "region": "eu"}"#)))
            #expect(next.secretNames == ["api_token"])
            // Deleting the required secret field through the config is refused.
            let error = await marketError { try await store.configure("crm", tenant: "acme", with: try Self.json(#"{"api_token": null}"#), by: fixture.admin) }
            #expect(error?.violations.map(\.description) == ["/api_token: is required"])
            await fixture.close()
        }

        @Test func enablingNeedsTheRequiredSettingsAndAnInstalledPlugin() async throws {
            let fixture = try await TenantFixture.make()
            let store = fixture.store
            try await store.createTenant("acme", by: fixture.admin)
            // The first-party OpenAI provider, by its own plugin.json: `model` is required.
            let missing = await marketError { try await store.enable("openai", tenant: "acme", by: fixture.admin) }
            #expect(missing?.code == .configInvalid)
            #expect(missing?.violations.map(\.description) == ["/model: is required"])
            #expect(missing?.fix.contains("market config openai --tenant acme") == true)
            #expect(try await store.installation("openai", tenant: "acme", by: fixture.admin) == nil)

            try await store.configure("openai", tenant: "acme", with: try Self.json(#"{"model": "gpt-4o-mini", "temperature": 0.2}"#), by: fixture.admin)
            let enabled = try await store.enable("openai", tenant: "acme", by: fixture.admin)
            #expect(enabled.enabled)
            #expect(enabled.config == (try Self.json(#"{"model": "gpt-4o-mini", "temperature": 0.2, "base_url": "https://api.openai.com/v1", "max_retries": 2}"#)))

            // A plugin with only defaults is enabled at once, its defaults stored.
            let notes = try await store.enable("notes", tenant: "acme", by: fixture.admin)
            #expect(notes.config == .object(["max_notes": .number(100)]))
            #expect(try await store.installations(tenant: "acme", by: fixture.admin).map(\.pluginID) == ["notes", "openai"])

            #expect(try await store.disable("notes", tenant: "acme", by: fixture.admin)?.enabled == false)
            #expect(try await store.disable("dice", tenant: "acme", by: fixture.admin) == nil)
            let unknown = await marketError { try await store.enable("no-such-plugin", tenant: "acme", by: fixture.admin) }
            #expect(unknown?.code == .pluginNotFound)
            #expect(unknown?.fix.contains("market install no-such-plugin") == true)
            #expect(await marketError { try await store.enable("notes", tenant: "nobody", by: fixture.admin) }?.code == .tenantNotFound)
            await fixture.close()
        }
    }
}

import Foundation
import MarketCore
import MarketStore
import Testing

extension DatabaseTests {
    /// A tenant's principal cannot read or change another tenant's anything: every store
    /// method that takes a tenant is tried against the other tenant, and its rows are compared.
    @Suite struct TenantIsolationTests {
        @Test func aTenantCannotReadOrChangeAnotherTenantsData() async throws {
            let fixture = try await TenantFixture.make()
            let store = fixture.store
            for id in ["acme", "globex"] {
                try await store.createTenant(id, by: fixture.admin)
                try await store.configure("crm", tenant: id, with: .object(["workspace": .string(id), "api_token": .string("\(id)-token-1")]), by: fixture.admin)
                try await store.enable("crm", tenant: id, by: fixture.admin)
                try await store.setSecret("webhook_secret", value: "\(id)-hook", plugin: "crm", tenant: id, by: fixture.admin)
            }
            let acmeToken = try await store.createToken(tenant: "acme", by: fixture.admin)
            let globexToken = try await store.createToken(tenant: "globex", by: fixture.admin)
            let acme = try #require(try await store.authenticate(acmeToken.token))
            let before = try await fixture.snapshot()

            // Each call names globex (or a tenant that does not exist): all are refused alike.
            for other in ["globex", "no-such-tenant"] {
                let attempts: [(String, () async throws -> Void)] = [
                    ("tenant", { _ = try await store.tenant(other, by: acme) }),
                    ("tokens", { _ = try await store.tokens(tenant: other, by: acme) }),
                    ("createToken", { _ = try await store.createToken(tenant: other, by: acme) }),
                    ("revokeToken", { _ = try await store.revokeToken(globexToken.info.id, tenant: other, by: acme) }),
                    ("enable", { _ = try await store.enable("crm", tenant: other, by: acme) }),
                    ("disable", { _ = try await store.disable("crm", tenant: other, by: acme) }),
                    ("installation", { _ = try await store.installation("crm", tenant: other, by: acme) }),
                    ("installations", { _ = try await store.installations(tenant: other, by: acme) }),
                    ("configure", { _ = try await store.configure("crm", tenant: other, with: .object(["page_size": .number(5)]), by: acme) }),
                    ("setSecret", { try await store.setSecret("webhook_secret", value: "stolen", plugin: "crm", tenant: other, by: acme) }),
                    ("deleteSecret", { try await store.deleteSecret("webhook_secret", plugin: "crm", tenant: other, by: acme) }),
                    ("secretNames", { _ = try await store.secretNames("crm", tenant: other, by: acme) }),
                    ("auditLog", { _ = try await store.auditLog(tenant: other, by: acme) }),
                    ("createTenant", { _ = try await store.createTenant(other == "globex" ? "initech" : other, by: acme) }),
                ]
                for (name, attempt) in attempts {
                    let error = await marketError(attempt)
                    #expect(error?.code == .accessDenied, "\(name) on \(other)")
                    #expect(error.map { !$0.description.contains("hook") && !$0.description.contains("token-1") } ?? false)
                }
            }

            // A token id of another tenant is unknown within one's own tenant.
            let revoke = await marketError { try await store.revokeToken(globexToken.info.id, tenant: "acme", by: acme) }
            #expect(revoke?.code == .tokenNotFound)
            #expect(try await store.authenticate(globexToken.token) != nil)

            // What acme can see is its own.
            #expect(try await store.tenants(by: acme).map(\.id) == ["acme"])
            #expect(try await store.tokens(tenant: "acme", by: acme).map(\.id) == [acmeToken.info.id])
            #expect(try await store.auditLog(by: acme).allSatisfy { $0.tenantID == "acme" })
            let own = try await store.installation("crm", tenant: "acme", by: acme)
            #expect(own?.config["workspace"] == .string("acme"))

            // Nothing was written: not globex's rows, not even an audit entry for the attempts.
            let after = try await fixture.snapshot()
            #expect(after == before)
            #expect(Self.rows(after, of: "globex").count >= 4, "globex's tenant, token, installation and secrets rows")
            await fixture.close()
        }

        @Test func settingsForAnInstanceAreReadForTheNamedTenantOnly() async throws {
            let fixture = try await TenantFixture.make()
            let store = fixture.store
            for id in ["acme", "globex"] {
                try await store.createTenant(id, by: fixture.admin)
                try await store.configure("crm", tenant: id, with: .object(["workspace": .string(id), "api_token": .string("\(id)-token-1")]), by: fixture.admin)
                try await store.setSecret("webhook_secret", value: "\(id)-hook", plugin: "crm", tenant: id, by: fixture.admin)
            }
            let acme = try await store.settingsForInstance("crm", tenant: "acme")
            #expect(acme.secrets == ["api_token": "acme-token-1", "webhook_secret": "acme-hook"])
            #expect(acme.instanceConfig["workspace"] == .string("acme"))
            try await store.createTenant("initech", by: fixture.admin)
            #expect(await marketError { try await store.settingsForInstance("crm", tenant: "initech") }?.code == .pluginNotFound)
            await fixture.close()
        }

        /// The snapshot rows that belong to `tenant`.
        static func rows(_ snapshot: [String], of tenant: String) -> [String] {
            snapshot.filter { $0.contains("\"tenant_id\": \"\(tenant)\"") || $0.contains("\"id\": \"\(tenant)\"") }
        }
    }
}

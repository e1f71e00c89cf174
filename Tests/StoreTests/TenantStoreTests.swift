import Crypto
import Foundation
import MarketCore
import MarketStore
import Testing

extension DatabaseTests {
    /// Tenants, tokens and the audit log on a real PostgreSQL.
    @Suite struct TenantStoreTests {
        @Test func theAdminTokenIsMadeOnceStoredHashedAndAuthenticatesAsAdmin() async throws {
            let fixture = try await TenantFixture.make()
            // Replicas starting at once: exactly one of them makes the token.
            let issued = try await withThrowingTaskGroup(of: IssuedToken?.self) { group in
                for _ in 0..<4 { group.addTask { try await fixture.store.ensureAdminToken() } }
                return try await group.reduce(into: [IssuedToken]()) { if let token = $1 { $0.append(token) } }
            }
            #expect(issued.count == 1)
            let admin = try #require(issued.first)
            #expect(admin.token.hasPrefix("mka_") && admin.token.count == 47)
            #expect(try await fixture.store.ensureAdminToken() == nil)

            let principal = try #require(try await fixture.store.authenticate(admin.token))
            #expect(principal.role == .admin && principal.tenantID == nil && principal.actor == "token:\(admin.info.id)")

            let rows = try await fixture.sql("SELECT encode(token_hash, 'hex'), row_to_json(t)::text FROM api_tokens t")
            #expect(rows.count == 1)
            #expect(rows[0][0] == SHA256.hash(data: Array(admin.token.utf8)).map { String(format: "%02x", $0) }.joined())
            #expect(rows[0][1]?.contains(admin.token) == false)
            #expect(rows[0][1]?.contains(String(admin.token.dropFirst(4))) == false)
            await fixture.close()
        }

        @Test func tenantTokensAuthenticateUntilRevoked() async throws {
            let fixture = try await TenantFixture.make()
            try await fixture.store.createTenant("acme", name: "Acme Inc", by: fixture.admin)
            let issued = try await fixture.store.createToken(tenant: "acme", label: "portal", by: fixture.admin)
            #expect(issued.token.hasPrefix("mkt_"))
            #expect(issued.info.role == .tenant && issued.info.tenantID == "acme" && issued.info.label == "portal")

            let principal = try #require(try await fixture.store.authenticate(issued.token))
            #expect(principal == .tenant("acme", actor: "token:\(issued.info.id)"))
            let used = try await fixture.store.tokens(tenant: "acme", by: fixture.admin)
            #expect(used.map(\.id) == [issued.info.id])
            #expect(used[0].lastUsedAt != nil && used[0].revokedAt == nil)

            // Unknown, malformed and near-miss tokens are refused without an error.
            // The near miss changes the last character to another (appending "A" to the rest would be the token itself when it ends in A).
            let nearMiss = String(issued.token.dropLast()) + (issued.token.hasSuffix("A") ? "B" : "A")
            for wrong in ["", "mkt_", "Bearer " + issued.token, nearMiss, issued.token + "x", "mka_" + issued.token.dropFirst(4)] {
                #expect(try await fixture.store.authenticate(wrong) == nil, "\(wrong.prefix(10))")
            }

            let revoked = try await fixture.store.revokeToken(issued.info.id, tenant: "acme", by: fixture.admin)
            #expect(revoked.revokedAt != nil)
            #expect(try await fixture.store.authenticate(issued.token) == nil)
            // Revoking again changes nothing, and keeps the first revocation time.
            #expect(try await fixture.store.revokeToken(issued.info.id, tenant: "acme", by: fixture.admin).revokedAt == revoked.revokedAt)
            let missing = await marketError { try await fixture.store.revokeToken("tok_0000000000000000", tenant: "acme", by: fixture.admin) }
            #expect(missing?.code == .tokenNotFound)
            await fixture.close()
        }

        @Test func adminTokensAreForAdminsAndANewOneComesWhenTheLastIsRevoked() async throws {
            let fixture = try await TenantFixture.make()
            let store = fixture.store
            let first = try #require(try await store.ensureAdminToken())
            let second = try await store.createToken(tenant: nil, label: "ops", by: fixture.admin)
            #expect(second.token.hasPrefix("mka_") && second.info.role == .admin && second.info.tenantID == nil)
            #expect(try await store.authenticate(second.token)?.role == .admin)
            #expect(try await store.tokens(tenant: nil, by: fixture.admin).map(\.id) == [first.info.id, second.info.id])

            try await store.createTenant("acme", by: fixture.admin)
            let tenantToken = try await store.createToken(tenant: "acme", by: fixture.admin)
            let acme = try #require(try await store.authenticate(tenantToken.token))
            #expect(await marketError { try await store.createToken(tenant: nil, by: acme) }?.code == .accessDenied)
            #expect(await marketError { try await store.tokens(tenant: nil, by: acme) }?.code == .accessDenied)
            #expect(await marketError { try await store.revokeToken(first.info.id, tenant: nil, by: acme) }?.code == .accessDenied)
            // An admin token is not one of a tenant's, nor the reverse.
            #expect(await marketError { try await store.revokeToken(first.info.id, tenant: "acme", by: fixture.admin) }?.code == .tokenNotFound)
            #expect(await marketError { try await store.revokeToken(tenantToken.info.id, tenant: nil, by: fixture.admin) }?.code == .tokenNotFound)
            // A token's value given as its id is refused without being echoed.
            let pasted = await marketError { try await store.revokeToken(second.token, tenant: nil, by: fixture.admin) }
            #expect(pasted?.code == .tokenNotFound)
            #expect(pasted.map { !String(reflecting: $0).contains(second.token.dropFirst(4)) } ?? false)

            try await store.revokeToken(first.info.id, tenant: nil, by: fixture.admin)
            #expect(try await store.ensureAdminToken() == nil, "one admin token is still valid")
            try await store.revokeToken(second.info.id, tenant: nil, by: fixture.admin)
            #expect(try await store.authenticate(second.token) == nil)
            let third = try #require(try await store.ensureAdminToken())
            #expect(try await store.authenticate(third.token)?.role == .admin)
            await fixture.close()
        }

        @Test func tenantsAreCreatedListedAndRefusedWhenInvalidOrTaken() async throws {
            let fixture = try await TenantFixture.make()
            let acme = try await fixture.store.createTenant("acme", name: "  Acme Inc  ", by: fixture.admin)
            #expect(acme.name == "Acme Inc")
            #expect(try await fixture.store.createTenant("globex", by: fixture.admin).name == "globex")
            #expect(try await fixture.store.tenants(by: fixture.admin).map(\.id) == ["acme", "globex"])
            #expect(try await fixture.store.tenant("acme", by: fixture.admin) == acme)
            #expect(try await fixture.store.tenant("nobody", by: fixture.admin) == nil)

            #expect(await marketError { try await fixture.store.createTenant("acme", by: fixture.admin) }?.code == .tenantExists)
            for bad in ["", "Acme", "-acme", "a b", "a/b", String(repeating: "a", count: 65), "acme'; DROP TABLE tenants; --"] {
                let error = await marketError { try await fixture.store.createTenant(bad, by: fixture.admin) }
                #expect(error?.code == .tenantIDInvalid)
                #expect(error?.fix.isEmpty == false)
            }
            let tenant = Principal.tenant("acme", actor: "token:tok_1")
            #expect(await marketError { try await fixture.store.createTenant("initech", by: tenant) }?.code == .accessDenied)
            #expect(try await fixture.store.tenants(by: tenant).map(\.id) == ["acme"])
            await fixture.close()
        }

        @Test func everyChangeIsAuditedWithItsActorAndFailedOnesAreNot() async throws {
            let fixture = try await TenantFixture.make()
            let store = fixture.store
            try await store.createTenant("acme", by: fixture.admin)
            try await store.createTenant("globex", by: fixture.admin)
            let token = try await store.createToken(tenant: "acme", label: "bot", by: fixture.admin)
            let acme = try #require(try await store.authenticate(token.token))
            try await store.configure("crm", tenant: "acme", with: .object(["workspace": .string("acme"), "api_token": .string("token-12345")]), by: acme)
            try await store.enable("crm", tenant: "acme", by: acme)
            try await store.enable("crm", tenant: "acme", by: acme)  // already enabled: no change, no entry
            try await store.setSecret("webhook_secret", value: "whsec-1", plugin: "crm", tenant: "acme", by: acme)
            try await store.deleteSecret("webhook_secret", plugin: "crm", tenant: "acme", by: acme)
            try await store.disable("crm", tenant: "acme", by: fixture.admin)
            try await store.revokeToken(token.info.id, tenant: "acme", by: fixture.admin)
            let before = try await store.auditLog(by: fixture.admin).count
            _ = await marketError { try await store.configure("crm", tenant: "acme", with: .object(["page_size": .number(0)]), by: fixture.admin) }
            _ = await marketError { try await store.setSecret("nope", value: "x", plugin: "crm", tenant: "acme", by: fixture.admin) }
            #expect(try await store.auditLog(by: fixture.admin).count == before)

            let entries = try await store.auditLog(tenant: "acme", by: fixture.admin)
            #expect(entries.map(\.action) == [
                "token.revoke", "plugin.disable", "secret.delete", "secret.set", "plugin.enable", "config.set", "token.create", "tenant.create",
            ])
            #expect(entries.map(\.actor) == [
                "cli:test", "cli:test", "token:\(token.info.id)", "token:\(token.info.id)", "token:\(token.info.id)", "token:\(token.info.id)",
                "cli:test", "cli:test",
            ])
            #expect(entries.allSatisfy { $0.tenantID == "acme" })
            #expect(entries[3].details == .object(["name": .string("webhook_secret")]))
            #expect(entries[5].details["fields"] == .array([.string("workspace")]))
            #expect(entries[5].details["secrets_set"] == .array([.string("api_token")]))
            #expect(entries[0].target == "token:\(token.info.id)" && entries[1].target == "plugin:crm")

            // Paging, and a tenant sees its own entries only.
            let page = try await store.auditLog(tenant: "acme", limit: 3, before: entries[2].id, by: fixture.admin)
            #expect(page.map(\.id) == entries[3...5].map(\.id))
            let globex = try await store.createToken(tenant: "globex", by: fixture.admin)
            let globexPrincipal = try #require(try await store.authenticate(globex.token))
            #expect(try await store.auditLog(by: globexPrincipal).allSatisfy { $0.tenantID == "globex" })
            #expect(try await store.auditLog(by: fixture.admin).contains { $0.tenantID == "acme" })
            await fixture.close()
        }
    }
}

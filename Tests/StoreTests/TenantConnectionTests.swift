import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import Testing

extension DatabaseTests {
    /// Connections: credentials per (tenant, plugin) sealed with the master key, an access
    /// token for the runtime and never a refresh token, audit entries, and `needs_reconnect`.
    @Suite struct TenantConnectionTests {
        static func world() async throws -> (TenantFixture, ConnectionStore) {
            let fixture = try await TenantFixture.make()
            for tenant in ["acme", "globex"] { try await fixture.store.createTenant(tenant, by: fixture.admin) }
            return (fixture, ConnectionStore(tenants: fixture.store, logger: fixture.logs.logger))
        }

        static func unusable(_ body: () throws -> String) -> ConnectionUnusable? {
            do {
                _ = try body()
                Issue.record("expected ConnectionUnusable")
            } catch let error as ConnectionUnusable {
                return error
            } catch {
                Issue.record("expected ConnectionUnusable, got \(error)")
            }
            return nil
        }

        static func audit(_ fixture: TenantFixture) async throws -> [[String?]] {
            try await fixture.sql("SELECT tenant_id, actor, action, target, details::text FROM audit_log WHERE action LIKE 'connection.%' ORDER BY id")
        }

        @Test func anAPIKeyIsSealedHandedToTheRuntimeAndAudited() async throws {
            let (fixture, connections) = try await Self.world()
            let acme = KeyValueNamespace(tenantID: "acme", pluginID: "crm")
            let stored = try await connections.setCredential("key-canary-4711", kind: .apiKey, plugin: "crm", tenant: "acme", by: fixture.admin)
            #expect(stored.kind == .apiKey && stored.status == .connected && stored.accessExpiresAt == nil)
            #expect(try connections.accessToken(acme) == "key-canary-4711")
            #expect(try await connections.connections(tenant: "acme", by: fixture.admin) == [stored])
            #expect(try await connections.connections(tenant: "globex", by: fixture.admin).isEmpty)
            #expect(Self.unusable { try connections.accessToken(KeyValueNamespace(tenantID: "globex", pluginID: "crm")) }?.reason == .notConnected)

            let rows = try await fixture.sql("SELECT encode(access_sealed, 'escape'), refresh_sealed IS NULL, key_id FROM connections")
            #expect(rows.count == 1 && rows[0][0]?.contains("canary") == false && rows[0][1] == "t" && rows[0][2] == fixture.key.id)
            #expect(try await Self.audit(fixture) == [["acme", "cli:test", "connection.connect", "plugin:crm", #"{"kind": "api_key"}"#]])
            #expect(!fixture.logs.lines.text.contains("canary"))

            // A sealed token copied into another tenant's row does not open there.
            try await fixture.sql("""
                INSERT INTO connections (tenant_id, plugin_id, kind, access_sealed, key_id)
                SELECT 'globex', plugin_id, kind, access_sealed, key_id FROM connections WHERE tenant_id = 'acme'
                """)
            #expect((#expect(throws: MarketError.self) { try connections.accessToken(KeyValueNamespace(tenantID: "globex", pluginID: "crm")) })?.code
                    == .secretUnreadable)
            await fixture.close()
        }

        @Test func badCredentialsAndStrangersAreRefusedWithTheirCodes() async throws {
            let (fixture, connections) = try await Self.world()
            let stranger = Principal.tenant("globex", actor: "token:tok_x")
            #expect(await marketError { try await connections.setCredential("", kind: .token, plugin: "crm", tenant: "acme", by: fixture.admin) }?.code == .connectionInvalid)
            #expect(await marketError {
                try await connections.setCredential(String(repeating: "x", count: ConnectionStore.maximumCredentialBytes + 1), kind: .token,
                                                    plugin: "crm", tenant: "acme", by: fixture.admin)
            }?.code == .connectionInvalid)
            #expect(await marketError { try await connections.setCredential("t", kind: .oauth2, plugin: "crm", tenant: "acme", by: fixture.admin) }?.code == .connectionInvalid)
            #expect(await marketError { try await connections.setCredential("t", kind: .token, plugin: "nosuch", tenant: "acme", by: fixture.admin) }?.code == .pluginNotFound)
            #expect(await marketError { try await connections.setCredential("t", kind: .token, plugin: "crm", tenant: "nosuch", by: fixture.admin) }?.code == .tenantNotFound)
            #expect(await marketError { try await connections.setCredential("t", kind: .token, plugin: "crm", tenant: "acme", by: stranger) }?.code == .accessDenied)
            #expect(await marketError { try await connections.connections(tenant: "acme", by: stranger) }?.code == .accessDenied)
            #expect(await marketError { try await connections.remove(plugin: "crm", tenant: "acme", by: fixture.admin) }?.code == .connectionNotFound)
            #expect(try await fixture.sql("SELECT count(*) FROM connections") == [["0"]])
            await fixture.close()
        }

        @Test func anOAuthConnectionExpiresNeedsReconnectingAndIsRemoved() async throws {
            let (fixture, connections) = try await Self.world()
            let acme = KeyValueNamespace(tenantID: "acme", pluginID: "crm")
            let tokens = OAuthTokens(accessToken: "access-1", refreshToken: "refresh-canary-1", expiresAt: Date().addingTimeInterval(3600), scopes: ["crm", "notes"])
            let stored = try await connections.storeAuthorization(tokens, plugin: "crm", tenant: "acme", by: fixture.admin)
            #expect(stored.kind == .oauth2 && stored.scopes == ["crm", "notes"] && stored.accessExpiresAt != nil)
            #expect(try connections.accessToken(acme) == "access-1", "the access token, never the refresh token")

            try await fixture.sql("UPDATE connections SET access_expires_at = now() - interval '1 second'")
            #expect(Self.unusable { try connections.accessToken(acme) }?.reason == .expired)

            // A mark made with a version that is no longer current changes nothing.
            #expect(try await !connections.markNeedsReconnect(plugin: "crm", tenant: "acme", error: "invalid_grant", version: 7))
            #expect(try await connections.markNeedsReconnect(plugin: "crm", tenant: "acme", error: "invalid_grant: token revoked", version: 0))
            #expect(try await !connections.markNeedsReconnect(plugin: "crm", tenant: "acme", error: "again", version: nil), "marked once")
            let refused = Self.unusable { try connections.accessToken(acme) }
            #expect(refused?.reason == .needsReconnect)
            #expect(refused?.description.contains("token revoked") == true)
            #expect(refused?.description.contains("market connections set crm --tenant acme") == true)
            let listed = try await connections.connection(plugin: "crm", tenant: "acme", by: fixture.admin)
            #expect(listed?.status == .needsReconnect && listed?.lastError == "invalid_grant: token revoked")
            let events = try await fixture.sql("SELECT tenant_id, type, data::text FROM events WHERE type = 'connection.needs_reconnect'")
            #expect(events == [["acme", "connection.needs_reconnect", #"{"kind": "oauth2", "error": "invalid_grant: token revoked", "plugin": "crm"}"#]])

            // Signing in again connects it again.
            try await connections.storeAuthorization(OAuthTokens(accessToken: "access-2", refreshToken: "refresh-2", expiresAt: nil), plugin: "crm", tenant: "acme", by: fixture.admin)
            #expect(try connections.accessToken(acme) == "access-2")
            try await connections.remove(plugin: "crm", tenant: "acme", by: fixture.admin)
            #expect(Self.unusable { try connections.accessToken(acme) }?.reason == .notConnected)
            #expect(try await Self.audit(fixture).map { [$0[1], $0[2]] } == [["cli:test", "connection.connect"], ["system", "connection.needs_reconnect"],
                                                                              ["cli:test", "connection.connect"], ["cli:test", "connection.disconnect"]])
            #expect(try await fixture.sql("SELECT count(*) FROM audit_log WHERE details::text LIKE '%canary%' OR details::text LIKE '%access-%'") == [["0"]])
            await fixture.close()
        }
    }
}

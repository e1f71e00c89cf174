import Foundation
import Testing

extension ServerTests {
    /// The tenant API end to end, as a portal would use it.
    @Suite struct TenantAPI {
        @Test func tenantsTokensAndPluginsThroughTheAPI() async throws {
            try await TenantAPIWorld.with { world in
                let tenants = try await world.call("GET", "/v1/tenants", token: world.admin).json()
                #expect((tenants["tenants"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["tenant-a", "tenant-b"])
                let own = try await world.call("GET", "/v1/tenants", token: world.tokenA).json()
                #expect((own["tenants"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["tenant-a"])
                let a = try await world.call("GET", "/v1/tenants/tenant-a", token: world.tokenA).json()
                #expect(a["name"] as? String == "Tenant A")
                #expect(try await world.call("POST", "/v1/tenants", token: world.admin, body: #"{"id":"tenant-a"}"#).status == 409)

                let made = try await world.call("POST", "/v1/tenants/tenant-a/tokens", token: world.tokenA, body: #"{"label":"ci"}"#)
                #expect(made.status == 201)
                #expect(made.headers["cache-control"] == "no-store")
                let listed = try await world.call("GET", "/v1/tenants/tenant-a/tokens", token: world.tokenA)
                let tokens = try #require(try listed.json()["tokens"] as? [[String: Any]])
                #expect(tokens.compactMap { $0["label"] as? String } == ["a", "ci"])
                #expect(tokens.allSatisfy { $0["token"] == nil }, "lists never hold values")
                #expect(!listed.text.contains("mkt_"))

                let installations = try await world.call("GET", "/v1/tenants/tenant-b/plugins", token: world.tokenB).json()
                let openai = try #require((installations["plugins"] as? [[String: Any]])?.first)
                #expect(openai["plugin"] as? String == "openai")
                #expect(openai["enabled"] as? Bool == true)
                #expect(openai["secrets"] as? [String] == ["api_key"])
                #expect((openai["config"] as? [String: Any])?["max_retries"] as? Int == 2, "defaults are filled in")

                let patched = try await world.call("PATCH", "/v1/tenants/tenant-b/plugins/openai/config", token: world.tokenB,
                                                   body: #"{"temperature": 0.5}"#, contentType: "application/merge-patch+json").json()
                #expect((patched["config"] as? [String: Any])?["temperature"] as? Double == 0.5)
                #expect((patched["config"] as? [String: Any])?["model"] as? String == "gpt-4o-mini", "a merge keeps the other members")
                let disabled = try await world.call("POST", "/v1/tenants/tenant-b/plugins/openai/disable", token: world.tokenB).json()
                #expect(disabled["enabled"] as? Bool == false)
                #expect(try await world.call("POST", "/v1/tenants/tenant-b/plugins/notes/disable", token: world.tokenB).status == 404)

                let secrets = try await world.call("GET", "/v1/tenants/tenant-b/plugins/openai/secrets", token: world.tokenB).json()
                #expect(secrets["secrets"] as? [String] == ["api_key"])
                #expect(secrets["allowed"] as? [String] == ["api_key"])
                #expect(try await world.call("DELETE", "/v1/tenants/tenant-b/plugins/openai/secrets/api_key", token: world.tokenB).status == 204)
                #expect(try await world.call("DELETE", "/v1/tenants/tenant-b/plugins/openai/secrets/api_key", token: world.tokenB).status == 404)
            }
        }

        @Test func theAuditLogFiltersAndPages() async throws {
            try await TenantAPIWorld.with { world in
                for label in ["one", "two", "three"] {
                    _ = try await world.call("POST", "/v1/tenants/tenant-b/tokens", token: world.tokenB, body: #"{"label":"\#(label)"}"#)
                }
                let first = try await world.call("GET", "/v1/tenants/tenant-b/audit?action=token.create&limit=2", token: world.tokenB).json()
                let page = try #require(first["entries"] as? [[String: Any]])
                #expect(page.count == 2)
                #expect(page.allSatisfy { $0["action"] as? String == "token.create" && $0["tenant_id"] as? String == "tenant-b" })
                let next = try #require(first["next_before"] as? Int)
                let second = try await world.call("GET", "/v1/tenants/tenant-b/audit?action=token.create&limit=2&before=\(next)", token: world.tokenB).json()
                let rest = try #require(second["entries"] as? [[String: Any]])
                // Four token.create entries: the world's token of B and the three above.
                #expect(rest.count == 2)
                let ids = (page + rest).compactMap { $0["id"] as? Int }
                #expect(ids == ids.sorted(by: >), "newest first")
                #expect(Set(ids).count == 4)

                let all = try await world.call("GET", "/v1/audit?limit=1000", token: world.admin).json()
                let entries = try #require(all["entries"] as? [[String: Any]])
                #expect(Set(entries.compactMap { $0["tenant_id"] as? String }) == ["tenant-a", "tenant-b"])
                #expect(all["next_before"] == nil)
                let mine = try await world.call("GET", "/v1/audit", token: world.tokenA).json()
                #expect((mine["entries"] as? [[String: Any]])?.allSatisfy { $0["tenant_id"] as? String == "tenant-a" } == true)
                #expect(try await world.call("GET", "/v1/audit?limit=0", token: world.admin).status == 400)
                #expect(try await world.call("GET", "/v1/audit?action=DROP%20TABLE", token: world.admin).status == 400)
                let secretSet = try await world.call("GET", "/v1/audit?action=secret.set", token: world.admin).json()
                let setEntry = try #require((secretSet["entries"] as? [[String: Any]])?.first)
                #expect(setEntry["actor"] as? String == "token:\(world.adminTokenID)")
                #expect((setEntry["details"] as? [String: Any])?["name"] as? String == "api_key")
            }
        }
    }
}

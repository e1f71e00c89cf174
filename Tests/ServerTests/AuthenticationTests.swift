import Foundation
import MarketServer
import Testing

extension ServerTests {
    /// 401 without a usable token (with `WWW-Authenticate: Bearer`), 403 when the principal
    /// may not act, and the open endpoints open.
    @Suite struct Authentication {
        @Test func noTokenIs401WithABearerChallenge() async throws {
            try await TenantAPIWorld.with { world in
                let reply = try await world.call("GET", "/v1/tenants/tenant-a", token: nil)
                #expect(reply.status == 401)
                #expect(reply.headers["content-type"] == "application/problem+json")
                #expect(reply.headers["www-authenticate"] == #"Bearer realm="market""#)
                #expect(try reply.json()["code"] as? String == "UNAUTHENTICATED")
            }
        }

        @Test func malformedUnknownAndRevokedTokensAre401() async throws {
            try await TenantAPIWorld.with { world in
                let basic = try await world.server.request("GET", "/v1/tenants", headers: ["Authorization": "Basic dXNlcjpwYXNz"])
                #expect(basic.status == 401)
                #expect(basic.headers["www-authenticate"] == #"Bearer realm="market", error="invalid_request""#)
                let unknown = "mkt_" + String(repeating: "A", count: 43)
                let forged = try await world.call("GET", "/v1/tenants", token: unknown)
                #expect(forged.status == 401)
                #expect(forged.headers["www-authenticate"] == #"Bearer realm="market", error="invalid_token""#)
                #expect(!forged.text.contains(unknown), "a 401 must not echo the token")

                let made = try await world.call("POST", "/v1/tenants/tenant-a/tokens", token: world.tokenA, body: "{}").json()
                let token = try #require(made["token"] as? String)
                let id = try #require(made["id"] as? String)
                #expect(try await world.call("GET", "/v1/tenants/tenant-a", token: token).status == 200)
                let revoked = try await world.call("DELETE", "/v1/tenants/tenant-a/tokens/\(id)", token: world.tokenA)
                #expect(revoked.status == 200)
                #expect(try revoked.json()["revoked_at"] is String)
                #expect(try await world.call("GET", "/v1/tenants/tenant-a", token: token).status == 401)
            }
        }

        @Test func aTenantTokenIsRefusedAdminActions() async throws {
            try await TenantAPIWorld.with { world in
                let create = try await world.call("POST", "/v1/tenants", token: world.tokenA, body: #"{"id":"sneaky"}"#)
                #expect(create.status == 403)
                #expect(try create.json()["code"] as? String == "ACCESS_DENIED")
                #expect(try await world.call("GET", "/v1/admin/tokens", token: world.tokenA).status == 403)
                #expect(try await world.call("POST", "/v1/admin/tokens", token: world.tokenA, body: "{}").status == 403)
                #expect(try await world.call("GET", "/v1/tenants/sneaky", token: world.admin).status == 404)
                // The admin token may do all of it.
                #expect(try await world.call("GET", "/v1/admin/tokens", token: world.admin).status == 200)
            }
        }

        /// The spec's `security: []` operations are exactly the server's public routes, and they
        /// answer without a token.
        @Test func theOpenEndpointsAreOpenAndDocumentedSo() async throws {
            let operations = try SpecOperation.all()
            try await TenantAPIWorld.with { world in
                let authenticated = Set(world.server.server.authenticatedRoutes.map(\.description))
                for operation in operations {
                    #expect(operation.isPublic != authenticated.contains(operation.description), "\(operation): spec and server disagree on its security")
                }
                #expect(Set(operations.filter(\.isPublic).map(\.description)) == [
                    "GET /healthz", "GET /readyz", "GET /metrics", "GET /v1/plugins", "GET /v1/plugins/{id}",
                    // Telegram authenticates with its secret token header instead.
                    "POST /telegram/{bot}",
                    // Inbound hooks: the opaque id routes, the plugin checks the sender's signature.
                    "GET /hooks/{hook}/{path}", "POST /hooks/{hook}/{path}", "PUT /hooks/{hook}/{path}",
                    // A provider's redirect after an OAuth2 sign-in: its single-use state authenticates.
                    "GET /oauth/callback",
                ])
                for path in ["/healthz", "/readyz", "/metrics", "/v1/plugins"] {
                    let reply = try await world.call("GET", path, token: nil)
                    #expect(reply.status == 200, "\(path)")
                }
            }
        }
    }
}

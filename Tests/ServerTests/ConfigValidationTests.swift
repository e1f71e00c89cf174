import Foundation
import Testing

extension ServerTests {
    /// Invalid config is refused with every field in the problem's `errors`, and nothing is
    /// stored.
    @Suite struct ConfigValidation {
        @Test func invalidConfigIsRefusedFieldByFieldAndNothingStored() async throws {
            try await TenantAPIWorld.with { world in
                let before = try await world.snapshot()
                let reply = try await world.call("PATCH", "/v1/tenants/tenant-b/plugins/openai/config", token: world.tokenB,
                                                 body: #"{"model": null, "temperature": 5, "max_tokens": "many", "max_retries": 2}"#)
                #expect(reply.status == 422)
                let problem = try reply.json()
                #expect(problem["code"] as? String == "CONFIG_INVALID")
                let errors = try #require(problem["errors"] as? [[String: String]])
                #expect(errors.map { $0["pointer"] ?? "" }.sorted() == ["/max_tokens", "/model", "/temperature"])
                #expect(errors.allSatisfy { !($0["message"] ?? "").isEmpty })
                #expect(!reply.text.contains("many"), "errors quote the schema, not the value")
                #expect(try await world.snapshot() == before)
                let stored = try await world.call("GET", "/v1/tenants/tenant-b/plugins/openai/config", token: world.tokenB).json()
                #expect((stored["config"] as? [String: Any])?["model"] as? String == "gpt-4o-mini")
            }
        }

        @Test func aMissingRequiredFieldAndBadBodiesAreRefused() async throws {
            try await TenantAPIWorld.with { world in
                let before = try await world.snapshot()
                let missing = try await world.call("PATCH", "/v1/tenants/tenant-a/plugins/vault/config", token: world.tokenA, body: #"{"mode": "slow"}"#)
                #expect(missing.status == 422)
                let errors = try #require(try missing.json()["errors"] as? [[String: String]])
                #expect(Set(errors.map { $0["pointer"] ?? "" }) == ["/level", "/mode"])
                let array = try await world.call("PATCH", "/v1/tenants/tenant-a/plugins/vault/config", token: world.tokenA, body: "[1]")
                #expect(array.status == 400)
                let broken = try await world.call("PATCH", "/v1/tenants/tenant-a/plugins/vault/config", token: world.tokenA, body: #"{"level": "#)
                #expect(broken.status == 400)
                let enable = try await world.call("POST", "/v1/tenants/tenant-a/plugins/vault/enable", token: world.tokenA)
                #expect(enable.status == 422, "vault needs level before it can be enabled")
                let undeclared = try await world.call("PUT", "/v1/tenants/tenant-a/plugins/vault/secrets/password", token: world.tokenA,
                                                      body: #"{"value": "sk-123456789012"}"#)
                #expect(undeclared.status == 422)
                #expect(try undeclared.json()["code"] as? String == "SECRET_NOT_ALLOWED")
                let unknownMember = try await world.call("POST", "/v1/tenants", token: world.admin, body: #"{"id": "x", "colour": "red"}"#)
                #expect(unknownMember.status == 400)
                let badID = try await world.call("POST", "/v1/tenants", token: world.admin, body: #"{"id": "Not An Id"}"#)
                #expect(badID.status == 400)
                #expect(try badID.json()["code"] as? String == "TENANT_ID_INVALID")
                #expect(try await world.snapshot() == before)
            }
        }
    }
}

import Foundation
import Testing

extension ServerTests {
    /// A tenant's token cannot read or change another tenant's anything: every operation of the
    /// spec is tried with tenant A's token on tenant B's resources, and every row of the
    /// database is the same afterwards.
    @Suite struct TenantIsolation {
        /// Operations that answer a tenant token with its own data instead of refusing it.
        static let ownDataOnly: Set<String> = ["GET /v1/tenants"]

        @Test func tenantATouchesNothingOfTenantB() async throws {
            let operations = try SpecOperation.all()
            try await TenantAPIWorld.with { world in
                let before = try await world.snapshot()
                var tried = 0
                for operation in operations where !operation.isPublic {
                    let admin = operation.path.hasPrefix("/v1/admin/")
                    let path = try operation.path(with: [
                        "tenant": TenantAPIWorld.b, "plugin": "openai", "name": "api_key", "event": TenantAPIWorld.eventB,
                        "chat": "web-1", "conversation": "cnv_0000000000000000", "experiment": "models-1",
                        "token": admin ? world.adminTokenID : world.tokenBID, "id": "tgt_000000000000000000000000", "delivery": TenantAPIWorld.eventB,
                    ]) + (operation.path == "/v1/audit" ? "?tenant=\(TenantAPIWorld.b)" : "")
                    let reply = try await world.call(operation.method, path, token: world.tokenA, body: operation.exampleBody)
                    tried += 1
                    if Self.ownDataOnly.contains(operation.description) {
                        #expect(reply.status == 200, "\(operation): \(reply.status)")
                        #expect(!reply.text.contains(TenantAPIWorld.b), "\(operation) shows tenant B: \(reply.text)")
                    } else {
                        #expect(reply.status == 403, "\(operation) as tenant A on tenant B: \(reply.status) \(reply.text)")
                        #expect(try reply.json()["code"] as? String == "ACCESS_DENIED", "\(operation)")
                    }
                    #expect(!reply.text.contains(world.secret) && !reply.text.contains(world.tokenBID) || reply.status == 403,
                            "\(operation) leaks tenant B's data: \(reply.text)")
                }
                #expect(tried >= 23, "the spec lists only \(tried) authenticated operations")
                #expect(try await world.snapshot() == before, "a refused request changed the database")
            }
        }

        /// The same routes with tenant A's own id are not refused, so the 403s above come from
        /// the tenant check and not from routes a tenant token can never use.
        @Test func tenantAReachesItsOwnTenant() async throws {
            let operations = try SpecOperation.all()
            try await TenantAPIWorld.with { world in
                for operation in operations where operation.path.contains("{tenant}") {
                    let path = try operation.path(with: ["tenant": TenantAPIWorld.a, "plugin": "notes", "name": "api_key", "event": TenantAPIWorld.eventB,
                                                         "chat": "web-1", "conversation": "cnv_0000000000000000", "experiment": "models-1",
                                                         "token": "tok_0000000000000000", "id": "tgt_000000000000000000000000",
                                                         "delivery": TenantAPIWorld.eventB])
                    let reply = try await world.call(operation.method, path, token: world.tokenA, body: operation.exampleBody)
                    #expect(reply.status != 403 && reply.status != 401 && reply.status < 500, "\(operation) on its own tenant: \(reply.status) \(reply.text)")
                }
            }
        }
    }
}

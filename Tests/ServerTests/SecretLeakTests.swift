import Foundation
import Testing

extension ServerTests {
    /// A known secret value never appears in a response body or header, in an error, or in a
    /// line of the server's log (captured at trace level), whatever endpoint is asked.
    @Suite struct SecretLeaks {
        @Test func aSecretAppearsInNoResponseErrorOrLogLine() async throws {
            let log = CapturedLog()
            let operations = try SpecOperation.all()
            try await TenantAPIWorld.with(logger: log.logger) { world in
                let canary = world.secret
                let vaultSecret = "sk-VAULT-" + UUID().uuidString
                var replies: [HTTPReply] = []
                func send(_ method: String, _ path: String, _ token: String?, _ body: String? = nil) async throws -> HTTPReply {
                    let reply = try await world.call(method, path, token: token, body: body)
                    replies.append(reply)
                    return reply
                }
                // A secret config field set through the config, then errors with secrets in their bodies.
                #expect(try await send("PATCH", "/v1/tenants/tenant-b/plugins/vault/config", world.tokenB,
                                       #"{"level": 2, "token": "\#(vaultSecret)"}"#).status == 200)
                #expect(try await send("PATCH", "/v1/tenants/tenant-b/plugins/vault/config", world.tokenB,
                                       #"{"level": 9, "token": "\#(canary)x"}"#).status == 422)
                #expect(try await send("PUT", "/v1/tenants/tenant-b/plugins/vault/secrets/token", world.tokenB,
                                       #"{"value": "short-\#(canary)"}"#).status == 422)
                #expect(try await send("PUT", "/v1/tenants/tenant-b/plugins/openai/secrets/nope", world.tokenB,
                                       #"{"value": "\#(canary)"}"#).status == 422)
                #expect(try await send("PUT", "/v1/tenants/tenant-b/plugins/openai/secrets/api_key", world.tokenB,
                                       #"{"value": "\#(canary)", "extra": 1}"#).status == 400)
                #expect(try await send("PUT", "/v1/tenants/tenant-b/plugins/openai/secrets/api_key", world.tokenB,
                                       #"{"value": "\#(canary)"#).status == 400)
                #expect(try await send("PUT", "/v1/tenants/tenant-b/plugins/openai/secrets/api_key", world.tokenA,
                                       #"{"value": "\#(canary)"}"#).status == 403)
                // Every readable endpoint, as the admin and as tenant B.
                for operation in operations where operation.method == "GET" {
                    let path = try operation.path(with: ["tenant": TenantAPIWorld.b, "plugin": "vault", "id": "notes",
                                                          "event": TenantAPIWorld.eventB, "delivery": TenantAPIWorld.eventB,
                                                          "conversation": "cnv_0000000000000000", "experiment": "models-1",
                                                          "hook": "hk_0000000000000000000000000000000000000000", "path": "events"])
                    for token in [world.admin, world.tokenB] {
                        _ = try await send("GET", path, token)
                        if path.contains("/vault/") { _ = try await send("GET", path.replacingOccurrences(of: "/vault/", with: "/openai/"), token) }
                    }
                }
                let config = try await send("GET", "/v1/tenants/tenant-b/plugins/vault/config", world.admin).json()
                #expect((config["config"] as? [String: Any])?["token"] as? String == "********")
                #expect(config["secrets"] as? [String] == ["token"])
                #expect(replies.count > 20)
                for secret in [canary, vaultSecret] {
                    let fragment = String(secret.dropFirst(3).prefix(20))
                    for reply in replies {
                        #expect(!reply.text.contains(fragment), "a response body holds the secret: \(reply.text)")
                        #expect(!reply.headers.values.contains { $0.contains(fragment) }, "a header holds the secret")
                    }
                    let lines = log.all
                    #expect(lines.count > replies.count, "the server logged a line per request at least")
                    for line in lines { #expect(!line.contains(fragment), "a log line holds the secret: \(line)") }
                }
                // Tokens are not logged either, only their ids.
                for line in log.all { #expect(!line.contains(world.tokenB) && !line.contains(world.admin), "a log line holds a token") }
                #expect(log.all.contains { $0.contains("actor=token:") })
            }
        }
    }
}

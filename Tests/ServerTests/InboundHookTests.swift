import Foundation
import MarketCore
import MarketTestSupport
import StoreTestSupport
import Testing

extension ServerTests {
    /// `POST /hooks/<hook id>/<source>` through `market serve` into the real webhooks plugin:
    /// requests signed by the `standardwebhooks` library become `webhook.received` events; the
    /// host refuses unknown, rotated and disabled hooks and oversized bodies before the plugin.
    @Suite(.serialized) struct InboundHooks {
        static let source = "src_9fK2mQ7xL1pR4tZ8wQ"

        /// A `whsec_` secret of 32 random bytes.
        static func secret() -> String {
            var generator = SystemRandomNumberGenerator()
            return "whsec_" + Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64EncodedString()
        }

        /// A signed request to `path`; `signedWith` defaults to the tenant's secret.
        static func send(_ world: WebhooksServeWorld, _ path: String, body: String, secret: String,
                         contentType: String = "application/json") async throws -> HTTPReply {
            let id = "msg_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
            let timestamp = Int(Date().timeIntervalSince1970)
            let signature = try await StandardWebhooksSender.signature(secret: secret, id: id, timestamp: timestamp, body: body)
            return try await LoopbackHTTP.request("POST", path, port: world.port, headers: [
                "Content-Type": contentType, "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature,
            ], body: body)
        }

        static func problem(_ reply: HTTPReply) throws -> String? {
            #expect(reply.headers["content-type"]?.hasPrefix("application/problem+json") == true, "\(reply.headers)")
            return try reply.json()["code"] as? String
        }

        @Test func aSignedRequestBecomesAnEventAndEveryRefusalStoresNothing() async throws {
            let world = try await WebhooksServeWorld.make()
            defer { world.stop() }
            let secret = Self.secret()
            try await world.ok("PATCH", "/v1/tenants/acme/plugins/webhooks/config",
                               #"{"inbound_sources":[{"id":"\#(Self.source)","event_type":"crm.lead_changed"}]}"#)
            try await world.ok("PUT", "/v1/tenants/acme/plugins/webhooks/secrets/inbound_secret", #"{"value":"\#(secret)"}"#)

            // Enabling made the hook; the API and the CLI show the same one.
            let hooks = try #require(try await world.ok("GET", "/v1/tenants/acme/hooks")["hooks"] as? [[String: Any]])
            #expect(hooks.count == 1 && hooks.first?["plugin"] as? String == "webhooks" && hooks.first?["enabled"] as? Bool == true, "\(hooks)")
            let hookID = try #require(hooks.first?["hook_id"] as? String)
            #expect(hookID.range(of: #"^hk_[A-Za-z0-9_-]{32}$"#, options: .regularExpression) != nil)
            #expect(hooks.first?["path"] as? String == "/hooks/\(hookID)")
            let listed = try await world.market(["hooks", "list", "--tenant", "acme", "--json"])
            #expect(listed.status == 0, "\(listed.stderr)")
            let listedHooks = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any]
            #expect((listedHooks?["hooks"] as? [[String: Any]])?.map { $0["hook_id"] as? String } == [hookID], "\(listed.stdout)")

            let url = "/hooks/\(hookID)/\(Self.source)"
            let accepted = try await Self.send(world, url, body: #"{"lead":{"id":42,"stage":"won"}}"#, secret: secret)
            #expect(accepted.status == 202, "\(accepted.text)")
            #expect(accepted.headers["content-type"] == "application/json", "the plugin's headers pass through: \(accepted.headers)")
            let eventID = try #require(try accepted.json()["event_id"] as? String)
            let form = try await Self.send(world, url, body: "name=Ada&tag=a&tag=b", secret: secret, contentType: "application/x-www-form-urlencoded")
            #expect(form.status == 202, "\(form.text)")

            let received = try await world.events(type: "webhook.received")
            #expect(received.count == 2, "\(received)")
            let first = try #require(received.first { $0["id"] as? String == eventID })
            let data = try #require(first["data"] as? [String: Any])
            #expect(data["type"] as? String == "crm.lead_changed" && data["source"] as? String == Self.source)
            #expect(((data["payload"] as? [String: Any])?["lead"] as? [String: Any])?["stage"] as? String == "won", "\(data)")
            let formData = try #require(received.first { $0["id"] as? String != eventID }?["data"] as? [String: Any])
            #expect((formData["payload"] as? [String: Any])?["name"] as? String == "Ada")
            #expect((formData["payload"] as? [String: Any])?["tag"] as? [String] == ["a", "b"], "\(formData)")

            // Refused, and nothing stored: a bad signature (the plugin's 401), a body over 1 MiB
            // (the host's 413, before the plugin), an unknown hook (404).
            let forged = try await Self.send(world, url, body: #"{"lead":{"id":43}}"#, secret: Self.secret())
            #expect(forged.status == 401)
            #expect(try Self.problem(forged) == "WEBHOOK_SIGNATURE_INVALID", "\(forged.text)")
            let big = String(repeating: "a", count: 3 * (1 << 20) / 2)
            let tooLarge = try await LoopbackHTTP.request("POST", url, port: world.port, headers: ["Content-Type": "application/json"], body: big)
            #expect(tooLarge.status == 413)
            #expect(try Self.problem(tooLarge) == "HOOK_BODY_TOO_LARGE", "\(tooLarge.text)")
            for unknown in ["/hooks/hk_\(String(repeating: "A", count: 32))/\(Self.source)", "/hooks/acme/\(Self.source)", "/hooks/acme/webhooks/\(Self.source)"] {
                let reply = try await Self.send(world, unknown, body: "{}", secret: secret)
                #expect(reply.status == 404, "\(unknown)")
                #expect(try Self.problem(reply) == "HOOK_NOT_FOUND", "\(unknown): \(reply.text)")
            }
            #expect(try await world.events(type: "webhook.received").count == 2, "a refused request stores nothing")

            // Rotation: the old URL answers 404 at once, the new one serves.
            let rotated = try await world.ok("POST", "/v1/tenants/acme/plugins/webhooks/hook/rotate")
            let fresh = try #require(rotated["hook_id"] as? String)
            #expect(fresh != hookID && rotated["rotated_at"] is String)
            let old = try await Self.send(world, url, body: "{}", secret: secret)
            #expect(try old.status == 404 && Self.problem(old) == "HOOK_NOT_FOUND")
            let viaFresh = try await Self.send(world, "/hooks/\(fresh)/\(Self.source)", body: #"{"n":3}"#, secret: secret)
            #expect(viaFresh.status == 202, "\(viaFresh.text)")
            let rotatedByCLI = try await world.market(["hooks", "rotate", "webhooks", "--tenant", "acme", "--json"])
            #expect(rotatedByCLI.status == 0, "\(rotatedByCLI.stderr)")
            let byCLI = try JSONSerialization.jsonObject(with: Data(rotatedByCLI.stdout.utf8)) as? [String: Any]
            let latest = try #require(try await world.ok("GET", "/v1/tenants/acme/hooks")["hooks"] as? [[String: Any]]).first?["hook_id"] as? String
            #expect(byCLI?["hook_id"] as? String == latest && latest != fresh, "\(rotatedByCLI.stdout)")
            let notIngress = try await world.call("POST", "/v1/tenants/acme/plugins/notes/hook/rotate")
            #expect(try notIngress.status == 409 && notIngress.json()["code"] as? String == "HOOK_NOT_SUPPORTED", "\(notIngress.text)")

            // A disabled installation's hook answers as an unknown one.
            try await world.ok("POST", "/v1/tenants/acme/plugins/webhooks/disable")
            let disabled = try await Self.send(world, "/hooks/\(try #require(latest))/\(Self.source)", body: "{}", secret: secret)
            #expect(try disabled.status == 404 && Self.problem(disabled) == "HOOK_NOT_FOUND", "\(disabled.text)")
            #expect(try await world.events(type: "webhook.received").count == 3)
        }
    }
}

import Foundation
import MarketCore
import MarketTestSupport
import StoreTestSupport
import Testing

extension ServerTests {
    /// Delivery by the real webhooks plugin through `market serve`, checked by the Python receiver
    /// with the `standardwebhooks` library: endpoints added and events published through the API.
    @Suite(.serialized) struct WebhookDeliveryServe {
        @Test func publishedEventsArriveSignedAndBothSecretsVerifyAcrossARotation() async throws {
            let world = try await WebhooksServeWorld.make()
            defer { world.stop() }
            let endpoint = try await world.addEndpoint(world.receiver.root + "/ok", types: ["order.*"])
            let before = ["order-1", "order-2", "order-3"]
            for id in before { try await world.publish(id) }
            try await world.publish("lead-1", type: "lead.created")
            try await eventually(within: 30, "three deliveries") { try await world.receiver.count() >= 3 }

            let rotated = try await world.ok("POST", "/v1/tenants/acme/webhooks/endpoints/\(endpoint.id)/rotate-secret", #"{"overlap_seconds":3600}"#)
            let fresh = try #require((rotated["secrets"] as? [String: Any])?["secret"] as? String)
            #expect(fresh != endpoint.secret)
            let after = ["order-4", "order-5"]
            for id in after { try await world.publish(id) }
            try await eventually(within: 30, "five deliveries") { try await world.receiver.count() >= 5 }
            try await Task.sleep(for: .milliseconds(500))

            let received = try await world.received()
            #expect(received.count == 5, "only the subscribed types, each once: \(received.map(\.headers))")
            #expect(Set(received.map { $0.headers["webhook-id"] ?? "" }) == Set(before + after))
            for (index, request) in received.enumerated() {
                let id = try #require(request.headers["webhook-id"])
                let old = try await world.receiver.verify(index, secret: endpoint.secret)
                #expect(old.ok, "\(id) verifies with the first secret: \(old.error ?? "")")
                let new = try await world.receiver.verify(index, secret: fresh)
                if after.contains(id) {
                    #expect(new.ok, "\(id), sent during the overlap, verifies with the new secret too: \(new.error ?? "")")
                    #expect(request.headers["webhook-signature"]?.split(separator: " ").count == 2)
                } else {
                    #expect(!new.ok, "\(id) was signed before the new secret existed")
                }
                let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
                #expect(body["type"] as? String == "order.paid" && (body["data"] as? [String: Any])?["n"] as? Int == 1, "\(request.body)")
            }
        }

        @Test func aPrivateRangeDestinationIsRefusedAndTheEndpointDisabledWithTheReason() async throws {
            let world = try await WebhooksServeWorld.make()
            defer { world.stop() }
            let privateRange = try await world.addEndpoint("http://10.0.0.1/hook")
            let metadata = try await world.addEndpoint("http://169.254.169.254/latest/meta-data")
            let event = try await world.publish("order-private")
            for endpoint in [privateRange, metadata] {
                var attempts: [[String: Any]] = []
                try await eventually(within: 30, "an attempt to \(endpoint.id)") {
                    attempts = try await world.attempts(endpoint.id, event)
                    return !attempts.isEmpty
                }
                let first = try #require(attempts.first)
                #expect(first["outcome"] as? String == "disable_target", "\(attempts)")
                #expect(first["status"] is NSNull, "nothing was sent: \(first)")
                #expect((first["error"] as? String)?.contains("the host refused to send to this URL") == true, "\(first)")
                let stored = try await world.ok("GET", "/v1/tenants/acme/webhooks/endpoints/\(endpoint.id)")
                #expect(stored["enabled"] as? Bool == false, "\(stored)")
                #expect((stored["disabled_reason"] as? String)?.contains("private or loopback address needs the operator's permission") == true, "\(stored)")
            }
            #expect(try await world.receiver.count() == 0)
        }

        @Test func aHangingEndpointCostsOneAttemptsTimeoutWhileAnotherReceives() async throws {
            let world = try await WebhooksServeWorld.make()
            defer { world.stop() }
            let hanging = try await world.addEndpoint(world.receiver.root + "/hang", types: ["both.*"])
            _ = try await world.addEndpoint(world.receiver.root + "/ok", types: ["*"])
            let start = ContinuousClock.now
            let both = try await world.publish("both-1", type: "both.one")
            try await eventually(within: 10, "the hanging request and the other endpoint's") {
                let paths = try await world.received().map(\.path)
                return paths.contains("/hang") && paths.contains("/ok")
            }
            // While the first endpoint's attempt still hangs, the other one keeps receiving.
            for id in ["only-1", "only-2"] { try await world.publish(id, type: "only.one") }
            try await eventually(within: 10, "the other endpoint's next messages") {
                try await world.received().filter { $0.path == "/ok" }.count == 3
            }
            #expect(ContinuousClock.now - start < .seconds(14), "the others arrived within the hanging attempt's 15 s")
            #expect(try await world.attempts(hanging.id, both).isEmpty, "the hanging attempt has not ended yet")

            var attempts: [[String: Any]] = []
            try await eventually(within: 30, "the hanging attempt's end") {
                attempts = try await world.attempts(hanging.id, both)
                return !attempts.isEmpty
            }
            let first = try #require(attempts.first)
            #expect(first["outcome"] as? String == "retry" && first["attempt"] as? Int == 1, "\(attempts)")
            #expect((first["error"] as? String)?.contains("no complete answer within 15 s") == true, "\(first)")
            let duration = try #require(first["duration_ms"] as? Int)
            #expect((14_000...20_000).contains(duration), "one attempt's timeout, 15 s: \(duration) ms")
        }
    }
}

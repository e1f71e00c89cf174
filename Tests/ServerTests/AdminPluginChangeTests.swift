import Foundation
import MarketStore
import MarketTestSupport
import Testing

extension ServerTests {
    /// The admin API's changes of the desired plugin state, on two real `market serve` replicas
    /// sharing one PostgreSQL, with textkit built from source and published to a real registry.
    @Suite struct AdminPluginChanges {
        @Test(.timeLimit(.minutes(8)))
        func installUpdateWithConsentRollbackAndUninstallReachBothServers() async throws {
            try await AdminPluginWorld.with { world in
                // Without an admin token nothing is read or recorded.
                let install = "/v1/admin/plugins/textkit/install"
                #expect(try await world.call("POST", install, token: .some(nil), body: "{}").status == 401)
                #expect(try await world.call("POST", install, token: "mkt_" + String(repeating: "A", count: 43), body: "{}").status == 401)
                let asTenant = try await world.call("POST", install, token: world.tenantToken, body: "{}")
                #expect(try asTenant.status == 403 && asTenant.json()["code"] as? String == "ACCESS_DENIED", "\(asTenant.text)")
                for (method, path) in [("POST", "/v1/admin/plugins/textkit/update"), ("POST", "/v1/admin/plugins/textkit/rollback"),
                                       ("DELETE", "/v1/admin/plugins/textkit"), ("GET", "/v1/admin/plugins/textkit")] {
                    #expect(try await world.call(method, path, token: .some(nil)).status == 401, "\(method) \(path)")
                    #expect(try await world.call(method, path, token: world.tenantToken).status == 403, "\(method) \(path)")
                }
                #expect(try await world.store.desired("textkit") == nil)

                // Bad requests, each with its code.
                try await expectProblem(world.call("POST", "/v1/admin/plugins/Bad_Id/install", body: "{}"), 400, "PLUGIN_ID_INVALID")
                try await expectProblem(world.call("POST", "/v1/admin/plugins/ghost/install", body: "{}"), 404, "PLUGIN_UNKNOWN")
                try await expectProblem(world.call("POST", install, body: #"{"range": "^2.0"}"#), 422, "NO_FITTING_VERSION")
                try await expectProblem(world.call("POST", install, body: #"{"range": "two"}"#), 400, "VERSION_INVALID")
                try await expectProblem(world.call("POST", "/v1/admin/plugins/textkit/update", body: "{}"), 404, "NOT_INSTALLED")
                try await expectProblem(world.call("GET", "/v1/admin/plugins/textkit"), 404, "NOT_INSTALLED")
                #expect(try await world.store.desired("textkit") == nil)

                // An install through one server reaches both; asking again changes nothing.
                let installed = try await world.call("POST", install, body: #"{"range": "^1.0"}"#)
                #expect(installed.status == 202, "\(installed.text)")
                #expect(installed.headers["etag"] == "\"1\"")
                #expect(try installed.json()["version"] as? String == "1.0.0" && installed.json()["generation"] as? Int == 1)
                try await world.expectBoth(serving: "1.0.0")
                let again = try await world.call("POST", install, on: 1, body: #"{"range": "^1.0"}"#)
                #expect(again.status == 200 && again.headers["etag"] == "\"1\"", "\(again.text)")
                let shown = try await world.call("GET", "/v1/admin/plugins/textkit", on: 1)
                #expect(shown.status == 200 && shown.headers["etag"] == "\"1\"")
                let nodes = try #require(try shown.json()["nodes"] as? [[String: Any]])
                #expect(nodes.map { $0["node"] as? String } == ["node-a", "node-b"])
                #expect(nodes.allSatisfy { $0["converged"] as? Bool == true && $0["running"] as? String == "1.0.0" && $0["wanted"] as? String == "1.0.0" })

                // An update whose version asks for another host needs consent: the first request
                // records nothing and says what changes; the second, with that consent, records it.
                try await world.publish("1.1.0", extraHost: "api.example.com")
                let update = "/v1/admin/plugins/textkit/update"
                let asked = try await world.call("POST", update, body: "{}")
                #expect(asked.status == 409, "\(asked.text)")
                let problem = try asked.json()
                #expect(problem["code"] as? String == "PERMISSIONS_CHANGED")
                let change = try #require(problem["permissions"] as? [String: Any])
                #expect(change["added"] as? [String] == ["network: api.example.com"] && change["removed"] as? [String] == [])
                #expect(change["from"] as? String == "1.0.0" && change["to"] as? String == "1.1.0")
                let consent = try #require(problem["consent"] as? [String: Any])
                #expect(consent["version"] as? String == "1.1.0" && problem["generation"] as? Int == 1)
                #expect(try await world.store.desired("textkit")?.target?.version == "1.0.0", "nothing recorded without consent")
                #expect(try await world.store.desired("textkit")?.generation == 1)
                let forged = #"{"consent": {"version": "1.1.0", "permissions": "\#(String(repeating: "0", count: 64))"}}"#
                try await expectProblem(world.call("POST", update, body: forged), 409, "PERMISSIONS_CHANGED")
                let consentBody = String(decoding: try JSONSerialization.data(withJSONObject: ["consent": consent]), as: UTF8.self)
                let consented = try await world.call("POST", update, on: 1, body: consentBody, headers: ["If-Match": "\"1\""])
                #expect(consented.status == 202, "\(consented.text)")
                #expect(try consented.json()["version"] as? String == "1.1.0" && consented.headers["etag"] == "\"2\"")
                try await world.expectBoth(serving: "1.1.0")

                // Same permissions: no consent step.
                try await world.publish("1.1.1", extraHost: "api.example.com")
                let plain = try await world.call("POST", update, body: "{}")
                #expect(try plain.status == 202 && plain.json()["version"] as? String == "1.1.1", "\(plain.text)")
                try await world.expectBoth(serving: "1.1.1")

                // Two concurrent installs from the same generation: one is recorded, the other
                // refused with PLUGIN_CHANGE_CONFLICT; neither server is left half-installed.
                let generation = try #require(try await world.store.desired("textkit")).generation
                let ifMatch = ["If-Match": "\"\(generation)\""]
                async let first = world.call("POST", install, on: 0, body: #"{"range": "1.1.0"}"#, headers: ifMatch)
                async let second = world.call("POST", install, on: 1, body: #"{"range": "1.1.0"}"#, headers: ifMatch)
                let replies = try await [first, second]
                #expect(replies.map(\.status).sorted() == [202, 409], "\(replies.map(\.text))")
                let refused = try #require(replies.first { $0.status == 409 })
                #expect(try refused.json()["code"] as? String == "PLUGIN_CHANGE_CONFLICT", "\(refused.text)")
                #expect(try await world.store.desired("textkit")?.generation == generation + 1)
                try await world.expectBoth(serving: "1.1.0")
                for node in ["node-a", "node-b"] {
                    let plugins = world.folder.appendingPathComponent("\(node)/plugins")
                    #expect(try FileManager.default.contentsOfDirectory(atPath: plugins.path) == ["textkit"], "no staging leftovers")
                    let verified = try await runProcess(AdminPluginWorld.market, ["verify", "--state-dir", node], in: world.folder)
                    #expect(verified.status == 0, "every file matches the lock: \(verified.stdout)\(verified.stderr)")
                }

                // A stale If-Match is refused; rollback returns to the version before the last change.
                let rollback = "/v1/admin/plugins/textkit/rollback"
                try await expectProblem(world.call("POST", rollback, headers: ["If-Match": "\"1\""]), 409, "PLUGIN_CHANGE_CONFLICT")
                try await expectProblem(world.call("POST", rollback, headers: ["If-Match": "one"]), 400, "BAD_REQUEST")
                let rolledBack = try await world.call("POST", rollback, on: 1)
                #expect(try rolledBack.status == 202 && rolledBack.json()["version"] as? String == "1.1.1", "\(rolledBack.text)")
                try await world.expectBoth(serving: "1.1.1")

                // Uninstall through the API removes it from both.
                let removed = try await world.call("DELETE", "/v1/admin/plugins/textkit")
                #expect(removed.status == 202, "\(removed.text)")
                #expect(try removed.json()["version"] is NSNull)
                try await world.expectBoth(serving: nil)
                try await expectProblem(world.call("DELETE", "/v1/admin/plugins/textkit"), 404, "NOT_INSTALLED")

                // Every recorded change has its audit entry, by the admin token.
                let actor = try #require(try await world.audit().first?.split(separator: " ").last.map(String.init))
                #expect(actor.hasPrefix("token:"))
                #expect(try await world.audit() == [
                    "plugin.install 1.0.0", "plugin.update 1.1.0", "plugin.update 1.1.1", "plugin.install 1.1.0",
                    "plugin.rollback 1.1.1", "plugin.uninstall -",
                ].map { "\($0) \(actor)" })

                // An unreachable registry is the registry's fault, not the request's.
                world.stopRegistry()
                try await expectProblem(world.call("POST", install, body: "{}"), 502, "FETCH_FAILED")
            }
        }

        private func expectProblem(_ reply: HTTPReply, _ status: Int, _ code: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(reply.status == status, "\(reply.text)", sourceLocation: sourceLocation)
            #expect(reply.headers["content-type"] == "application/problem+json", sourceLocation: sourceLocation)
            #expect(try reply.json()["code"] as? String == code, "\(reply.text)", sourceLocation: sourceLocation)
            #expect(try (reply.json()["fix"] as? String)?.isEmpty == false, "every refusal says what to do", sourceLocation: sourceLocation)
        }
    }
}

import Foundation
import Testing

extension ServerTests {
    @Suite struct Problems {
        static let noDatabase = "host=/nonexistent port=1 user=market dbname=market"

        @Test func unknownPathsAreProblems() async throws {
            try await RunningServer.with(database: Self.noDatabase) { server in
                let reply = try await server.get("/nowhere?x=1", headers: ["x-request-id": "req-404"])
                #expect(reply.status == 404)
                #expect(reply.headers["content-type"] == "application/problem+json")
                let problem = try reply.json()
                #expect(problem["code"] as? String == "ROUTE_NOT_FOUND")
                #expect(problem["status"] as? Int == 404)
                #expect(problem["title"] as? String == "Not Found")
                #expect(problem["type"] as? String == "about:blank")
                #expect(problem["instance"] as? String == "/nowhere")
                #expect(problem["request_id"] as? String == "req-404")
            }
        }

        @Test func otherMethodsOnAKnownPathAre405WithAllow() async throws {
            try await RunningServer.with(database: Self.noDatabase) { server in
                for (method, path) in [("POST", "/v1/plugins"), ("DELETE", "/v1/plugins/notes"), ("PUT", "/healthz"), ("QUERY", "/readyz"), ("HEAD", "/metrics")] {
                    let reply = try await server.request(method, path)
                    #expect(reply.status == 405, "\(method) \(path)")
                    #expect(reply.headers["allow"] == "GET")
                    #expect(reply.headers["content-type"] == "application/problem+json")
                    // A HEAD answer has no body.
                    if method != "HEAD" { #expect(try reply.json()["code"] as? String == "METHOD_NOT_ALLOWED") }
                }
            }
        }

        @Test func badPluginIDsAre400() async throws {
            try await RunningServer.with(database: Self.noDatabase) { server in
                for id in ["Notes", "x", "no_underscores", "-dash", String(repeating: "a", count: 65), "%C3%A9t%C3%A9"] {
                    let reply = try await server.get("/v1/plugins/\(id)")
                    #expect(reply.status == 400, "\(id)")
                    let problem = try reply.json()
                    #expect(problem["code"] as? String == "BAD_REQUEST")
                    #expect((problem["fix"] as? String)?.contains("lower-case") == true)
                }
            }
        }

        @Test func unknownPluginsAre404() async throws {
            try await RunningServer.with(database: Self.noDatabase) { server in
                let reply = try await server.get("/v1/plugins/not-installed")
                #expect(reply.status == 404)
                let problem = try reply.json()
                #expect(problem["code"] as? String == "PLUGIN_NOT_FOUND")
                #expect((problem["fix"] as? String)?.contains("market install not-installed") == true)
            }
        }
    }
}

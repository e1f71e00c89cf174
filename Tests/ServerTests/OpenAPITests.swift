import Foundation
import MarketServer
import Testing
import Yams

extension ServerTests {
    /// docs/openapi.yaml describes exactly what the server serves, both ways.
    @Suite struct OpenAPI {
        static let noDatabase = "host=/nonexistent port=1 user=market dbname=market"
        static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

        /// Every method and path the spec lists, as `GET /v1/plugins/{id}`.
        static func specRoutes() throws -> Set<String> {
            let text = try String(contentsOf: Repository.openAPI, encoding: .utf8)
            let spec = try #require(try Yams.load(yaml: text) as? [String: Any])
            #expect((spec["openapi"] as? String)?.hasPrefix("3.1") == true)
            let paths = try #require(spec["paths"] as? [String: Any])
            var routes = Set<String>()
            for (path, item) in paths {
                let operations = try #require(item as? [String: Any], "\(path) has no operations")
                for method in operations.keys where methods.contains(method) { routes.insert("\(method.uppercased()) \(path)") }
            }
            return routes
        }

        @Test func everyServedRouteIsInTheSpecAndBack() async throws {
            let spec = try Self.specRoutes()
            try await RunningServer.with(database: Self.noDatabase) { server in
                let served = Set(server.server.routes.map(\.description))
                #expect(served.subtracting(spec).isEmpty, "served but not in docs/openapi.yaml: \(served.subtracting(spec).sorted())")
                #expect(spec.subtracting(served).isEmpty, "in docs/openapi.yaml but not served: \(spec.subtracting(served).sorted())")
                // And the router really answers each of them (not with its 404 or 405).
                for route in spec.sorted() {
                    let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
                    let path = parts[1].replacingOccurrences(of: #"\{[a-z]+\}"#, with: "notes", options: .regularExpression)
                    let reply = try await LoopbackHTTP.request(parts[0], path, port: server.port)
                    if reply.status == 404 || reply.status == 405 {
                        #expect(try reply.json()["code"] as? String != "ROUTE_NOT_FOUND", "\(route)")
                        #expect(reply.status != 405, "\(route) is answered with 405")
                    }
                }
            }
        }

        @Test func theRouterListsWhatItServes() async throws {
            try await RunningServer.with(database: Self.noDatabase) { server in
                let routes = server.server.routes.map(\.description)
                #expect(routes.contains("GET /v1/plugins/{id}"))
                #expect(Set(routes).count == routes.count)
            }
        }
    }
}

import Foundation
import MarketTestSupport
import StoreTestSupport
import Synchronization
import Testing

extension ServerTests {
    /// What a request body must be, and whose fault it is when it does not arrive.
    @Suite struct RequestBodies {
        @Test func invalidUTF8IsRefusedWith400AndNothingIsStored() async throws {
            try await TenantAPIWorld.with { world in
                let before = try await world.snapshot()
                // A secret whose bytes are not UTF-8: decoding would store U+FFFD instead.
                let body: [UInt8] = Array(#"{"value":"sk-"#.utf8) + [0xFF, 0xFE, 0x41] + Array(#""}"#.utf8)
                let connection = try RawConnection(port: world.server.port)
                try connection.send("PUT /v1/tenants/tenant-b/plugins/openai/secrets/api_key HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    + "Authorization: Bearer \(world.admin)\r\nContent-Type: application/json\r\n"
                                    + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n")
                try connection.send(body)
                let reply = try await connection.response(within: 10)
                #expect(reply.status == 400, "\(reply.text)")
                #expect(reply.headers["content-type"] == "application/problem+json")
                #expect(try reply.json()["code"] as? String == "BAD_REQUEST")
                #expect((try reply.json()["detail"] as? String)?.contains("UTF-8") == true)
                #expect(try await world.snapshot() == before)

                // An event's data too.
                let event: [UInt8] = Array(#"{"type":"lead.created","data":{"name":""#.utf8) + [0xC3, 0x28] + Array(#""}}"#.utf8)
                let second = try RawConnection(port: world.server.port)
                try second.send("POST /v1/tenants/tenant-a/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(world.tokenA)\r\n"
                                + "Content-Type: application/json\r\nContent-Length: \(event.count)\r\nConnection: close\r\n\r\n")
                try second.send(event)
                let refused = try await second.response(within: 10)
                #expect(refused.status == 400)
                #expect(try refused.json()["code"] as? String == "BAD_REQUEST")
                #expect(try await world.snapshot() == before)
            }
        }

        @Test func aBodyOverTheLimitIs413BodyTooLargeNotAnIncompleteRequest() async throws {
            try await TenantAPIWorld.with { world in
                let before = try await world.snapshot()
                let data = String(repeating: "x", count: 300 * 1024)
                let reply = try await LoopbackHTTP.request("POST", "/v1/tenants/tenant-a/events", port: world.server.port, headers: [
                    "Authorization": "Bearer \(world.tokenA)", "Content-Type": "application/json",
                ], body: #"{"type":"lead.created","data":{"name":"\#(data)"}}"#)
                #expect(reply.status == 413, "\(reply.text)")
                #expect(reply.headers["content-type"] == "application/problem+json")
                #expect(try reply.json()["code"] as? String == "BODY_TOO_LARGE", "\(reply.text)")
                #expect(try await world.snapshot() == before)
            }
        }

        @Test func aClientThatDisconnectsMidBodyIsLoggedAsTheClientsDoingNotA500() async throws {
            let database = try await freshDatabase(migrated: true)
            let capture = CapturingLogHandler()
            try await RunningServer.with(database: database, logger: capture.logger) { server in
                for _ in 0..<3 {
                    let connection = try RawConnection(port: server.port)
                    try connection.send("POST /telegram/tgb_00000000000000000000000000000000 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                        + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"update_id\":")
                    try await Task.sleep(for: .milliseconds(100))
                    connection.close()
                }
                try await eventually(within: 10, "the server logged the three interrupted bodies") {
                    capture.lines.all.withLock { lines in
                        lines.filter { $0.hasPrefix("info the client closed the connection before sending the whole request body") }.count == 3
                    }
                }
                let log = capture.lines.text
                #expect(!log.contains("request failed"), "\(log)")
                #expect(!log.contains("INTERNAL"))
                let metrics = try await server.get("/metrics").text
                #expect(!metrics.contains(#"status="500""#), "\(metrics)")
                #expect(metrics.contains(#"route="/telegram/{bot}",status="400""#))
            }
        }
    }
}

extension ServerTests {
    /// A database that cannot be reached is a 503 whose text names nothing of the database.
    @Suite struct DatabaseProblems {
        @Test func a503NamesNeitherTheSocketPathNorTheHostAndTheLogHasTheCause() async throws {
            let capture = CapturingLogHandler()
            let database = "host=/nonexistent-db-socket-dir port=1 user=market dbname=market"
            try await RunningServer.with(database: database, logger: capture.logger) { server in
                let reply = try await server.get("/v1/tenants", headers: ["Authorization": "Bearer mka_" + String(repeating: "A", count: 43)])
                #expect(reply.status == 503, "\(reply.text)")
                #expect(try reply.json()["code"] as? String == "DB_UNAVAILABLE")
                #expect(try reply.json()["detail"] as? String == "the database is unavailable right now")
                #expect(!reply.text.contains("nonexistent"), "\(reply.text)")
                #expect(!reply.text.contains("socket"))
                #expect(!reply.text.contains("PGSQL"))
                #expect(capture.lines.text.contains("nonexistent-db-socket-dir"), "the log keeps the cause")
            }
        }
    }
}

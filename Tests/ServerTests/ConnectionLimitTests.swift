import Foundation

#if canImport(Glibc)
import Glibc
#endif
import Logging
import MarketServer
import MarketTestSupport
import StoreTestSupport
import Testing

extension ServerTests {
    /// Slow, idle and too many connections, over real sockets on loopback.
    @Suite struct ConnectionLimits {
        static let short = ConnectionTimeouts(header: .seconds(1), body: .seconds(1), idle: .seconds(1))

        @Test func slowHeadersSlowBodiesAndIdleConnectionsAreClosedAtTheirTimeouts() async throws {
            let database = try await freshDatabase(migrated: true)
            let capture = CapturingLogHandler()
            let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, timeouts: Self.short)
            try await RunningServer.with(database: database, logger: capture.logger, configuration: configuration) { server in
                let slowHead = try RawConnection(port: server.port)
                try slowHead.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                let slowBody = try RawConnection(port: server.port)
                try slowBody.send("POST /telegram/tgb_00000000000000000000000000000000 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"upd")
                let idle = try RawConnection(port: server.port)
                try idle.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                let started = ContinuousClock.now

                let (headBytes, headClosed) = await slowHead.readUntilClosed(within: 6)
                #expect(headClosed, "a head that never ends is cut at the header timeout")
                #expect(headBytes.isEmpty)
                let (_, bodyClosed) = await slowBody.readUntilClosed(within: 6)
                #expect(bodyClosed, "a body that never ends is cut at the body timeout")
                let (answer, idleClosed) = await idle.readUntilClosed(within: 6)
                #expect(try LoopbackHTTP.parse(answer).status == 200, "the request was answered before the connection went idle")
                #expect(idleClosed, "a kept-alive connection is closed after the idle timeout")
                #expect(ContinuousClock.now - started >= .milliseconds(900), "nothing closes before its timeout")

                #expect(capture.lines.text.contains("did not send the request body in time"))
                #expect(!capture.lines.text.contains("request failed"), "a slow client is not a server error")
                #expect(try await server.get("/healthz").status == 200)
            }
        }

        @Test func atTheCapTheLongestIdleConnectionMakesRoomAndBusyOnesAreNeverDropped() async throws {
            let database = try await freshDatabase(migrated: true)
            let timeouts = ConnectionTimeouts(header: .seconds(60), body: .seconds(60), idle: .seconds(60))
            let configuration = ServerConfiguration(host: "127.0.0.1", port: 0, timeouts: timeouts, maximumConnections: 4)
            try await RunningServer.with(database: database, configuration: configuration) { server in
                // Twelve idle sockets against a cap of four: /healthz is still answered.
                var idle: [RawConnection] = []
                for _ in 0..<12 { idle.append(try RawConnection(port: server.port)) }
                let healthy = try await LoopbackHTTP.request("GET", "/healthz", port: server.port, timeout: 5)
                #expect(healthy.status == 200)
                let (_, oldestClosed) = await idle[0].readUntilClosed(within: 3)
                #expect(oldestClosed, "the longest-idle connection made room")
                idle.removeAll()

                // Four connections busy sending bodies fill the cap: a fifth is refused clearly.
                var busy: [RawConnection] = []
                for _ in 0..<4 {
                    let connection = try RawConnection(port: server.port)
                    try connection.send("POST /telegram/tgb_00000000000000000000000000000000 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
                    busy.append(connection)
                }
                try await Task.sleep(for: .milliseconds(300))
                let refused = try await LoopbackHTTP.request("GET", "/healthz", port: server.port, timeout: 5)
                #expect(refused.status == 503)
                #expect(refused.headers["retry-after"] == "1")
                #expect(refused.headers["content-type"] == "application/problem+json")
                #expect(try refused.json()["code"] as? String == "SERVER_BUSY")
                for connection in busy {
                    let (_, closed) = await connection.readUntilClosed(within: 0.2)
                    #expect(!closed, "a connection serving a request is never closed to make room")
                }

                busy[0].close()
                try await eventually(within: 5, "a place freed by a closed connection is taken again") {
                    (try? await LoopbackHTTP.request("GET", "/healthz", port: server.port, timeout: 2).status) == 200
                }
            }
        }

        @Test(.timeLimit(.minutes(3)))
        func healthzAnswersUnder1100IdleSocketsWithA1024OpenFilesLimit() async throws {
            let database = try await freshDatabase()
            let state = try temporaryDirectory("serve-fd-limit")
            defer { try? FileManager.default.removeItem(at: state) }
            let market = buildProductsDirectory.appendingPathComponent("market").path
            let serve = try ServeProcess(executable: "/usr/bin/prlimit",
                                         ["--nofile=1024:1024", market, "serve", "--port", "0", "--state-dir", state.path],
                                         removing: ["MARKET_LOG_LEVEL"], environment: ["DATABASE_URL": database])
            let listening = try await serve.line(within: 120) { $0.contains("\"message\":\"listening\"") }
            let record = try #require(try JSONSerialization.jsonObject(with: Data(listening.utf8)) as? [String: Any])
            let port = try #require((record["port"] as? String).flatMap(Int.init))
            let cap = try #require((record["max_connections"] as? String).flatMap(Int.init))
            #expect(cap < 1024, "the cap stays under the open-files limit")

            var sockets: [RawConnection] = []
            for _ in 0..<1100 { sockets.append(try RawConnection(port: port)) }
            let started = ContinuousClock.now
            for _ in 0..<3 {
                let reply = try await LoopbackHTTP.request("GET", "/healthz", port: port, timeout: 5)
                #expect(reply.status == 200)
            }
            #expect(ContinuousClock.now - started < .seconds(5))
            sockets.removeAll()
            serve.signal(SIGTERM)
            #expect(try await serve.exitStatus(within: 30).status == 0)
        }
    }
}

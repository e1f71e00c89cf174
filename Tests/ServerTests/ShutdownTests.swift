import Foundation
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension ServerTests {
    /// `market serve` as an operator runs it: its own private cluster, JSON logs, SIGTERM.
    @Suite struct Shutdown {
        @Test(.timeLimit(.minutes(3)))
        func sigtermFinishesTheRequestInFlightStopsTheClusterAndExitsZero() async throws {
            let state = try temporaryDirectory("serve-sigterm")
            let cluster = PrivateCluster(stateDirectory: state)
            do {
                try await run(state: state, cluster: cluster)
            } catch {
                _ = try? await cluster.stop()
                try? FileManager.default.removeItem(at: state)
                throw error
            }
            try? FileManager.default.removeItem(at: state)
        }

        private func run(state: URL, cluster: PrivateCluster) async throws {
            let serve = try ServeProcess(["serve", "--port", "0", "--state-dir", state.path, "--plugins", Repository.builtPlugins.path],
                                         removing: ["DATABASE_URL", "MARKET_LOG_LEVEL"])
            let listening = try await serve.line(within: 120) { $0.contains("\"message\":\"listening\"") }
            let record = try #require(try JSONSerialization.jsonObject(with: Data(listening.utf8)) as? [String: Any])
            let port = try #require((record["port"] as? String).flatMap(Int.init))
            #expect(record["level"] as? String == "info")
            #expect((record["timestamp"] as? String)?.hasSuffix("Z") == true, "RFC 3339 in UTC")

            // serve applied the migrations at start and loaded the plugins.
            #expect(try await LoopbackHTTP.get("/readyz", port: port).status == 200)
            #expect(try await LoopbackHTTP.get("/v1/plugins/notes", port: port).status == 200)

            // Hold a lock the readiness query needs, so a request is in flight when SIGTERM comes.
            let blocker = try await onThread { try PostgresConnection.connect(cluster.connectionString) }
            defer { blocker.close() }
            try await onThread { try blocker.run("BEGIN; LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE") }
            let inFlight = Task { try await LoopbackHTTP.get("/readyz", port: port, headers: ["x-request-id": "in-flight"]) }
            try await waitUntil(within: 30) {
                let waiting = try await onThread { try blocker.query("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted") }
                return try waiting.first?.decode("n", as: Int.self) ?? 0 > 0
            }

            serve.signal(SIGTERM)
            // It stops accepting at once, but keeps running while the request is unanswered.
            try await waitUntil(within: 10) { (try? await LoopbackHTTP.get("/healthz", port: port)) == nil }
            try await Task.sleep(for: .milliseconds(300))
            #expect(serve.waitStatus == nil, "serve exited with a request in flight")

            try await onThread { try blocker.run("COMMIT") }
            let reply = try await inFlight.value
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.headers["x-request-id"] == "in-flight")

            let exit = try await serve.exitStatus(within: 60)
            #expect(exit.signaled == false && exit.status == 0, "exit \(exit); stderr: \(serve.standardError); last log lines:\n\(serve.output.suffix(15).joined(separator: "\n"))")
            #expect(try await cluster.status() == .stopped, "serve started the cluster, so it stops it")
            // Not a terminal: every log line is a JSON object.
            for line in serve.output where !line.isEmpty {
                #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "not JSON: \(line)")
            }
            #expect(serve.output.contains { $0.contains("stopped the private PostgreSQL cluster") })
            // The access log line of the request in flight, under its request id.
            let access = serve.output.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .first { $0["message"] as? String == "request" && $0["request_id"] as? String == "in-flight" }
            #expect(access?["route"] as? String == "/readyz")
            #expect(access?["status"] as? String == "200")
        }

        /// The bot's side: a chat request in flight at SIGTERM (its plugin call made, its messages
        /// waiting to be written) is answered before serve stops the engine, the plugins and the pool.
        @Test(.timeLimit(.minutes(3)))
        func sigtermFinishesTheChatRequestInFlightAndExitsZero() async throws {
            let server = try await BotServer.start()
            defer { server.close() }
            let process = try #require(server.process)
            let token = try await server.tenantToken()
            let auth = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]

            // Hold the table the reply is written to, so the request is in flight when SIGTERM comes.
            let blocker = try await onThread { try PostgresConnection.connect(server.databaseURL) }
            defer { blocker.close() }
            try await onThread { try blocker.run("BEGIN; LOCK TABLE messages IN ACCESS EXCLUSIVE MODE") }
            let inFlight = Task {
                try await LoopbackHTTP.request("POST", "/v1/tenants/acme/chats/web-9/messages", port: server.port, headers: auth,
                                               body: #"{"text": "/word_count text=\"one two three four\"", "user": "u-9"}"#)
            }
            try await waitUntil(within: 30) {
                // The cluster is shared with other tests: only this database's waits count.
                let waiting = try await onThread {
                    try blocker.query("""
                        SELECT count(*)::int AS n FROM pg_locks
                        WHERE NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                        """)
                }
                return try waiting.first?.decode("n", as: Int.self) ?? 0 > 0
            }

            process.signal(SIGTERM)
            try await waitUntil(within: 10) { (try? await LoopbackHTTP.get("/healthz", port: server.port)) == nil }
            try await Task.sleep(for: .milliseconds(500))
            #expect(process.waitStatus == nil, "serve exited with a chat request in flight")

            try await onThread { try blocker.run("COMMIT") }
            let reply = try await inFlight.value
            #expect(reply.status == 200, "\(reply.text)")
            #expect((try reply.json()["text"] as? String)?.contains("\"words\": 4") == true, "\(reply.text)")
            let exit = try await process.exitStatus(within: 60)
            #expect(exit.signaled == false && exit.status == 0, "exit \(exit); stderr: \(process.standardError); last log lines:\n\(process.output.suffix(15).joined(separator: "\n"))")
            // Written before the pool drained: the reply is in the history.
            let stored = try await onThread {
                try blocker.query("SELECT count(*)::int AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.external_chat_id = 'web-9'")
            }
            #expect(try stored.first?.decode("n", as: Int.self) == 2)
        }

        private func waitUntil(within seconds: Double, _ condition: () async throws -> Bool) async throws {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while ContinuousClock.now < deadline {
                if try await condition() { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw HTTPTestFailure("the condition did not come true within \(seconds) s")
        }
    }
}

import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension ServerTests {
    /// Two `market serve` replicas on one database, both answering slash commands without pause
    /// while textkit is updated: a version whose probe fails on one node and a version whose tool
    /// fails on every call are both rolled back on every node by the servers themselves, with the
    /// event and the audit entry; a good version then reaches both with no failed call.
    @Suite struct HealthRollback {
        let market = buildProductsDirectory.appendingPathComponent("market").path

        /// What the load saw: every chat reply's HTTP status, by the time it was sent.
        final class Load: Sendable {
            let statuses = Mutex<[Int]>([])
            let stop = Atomic<Bool>(false)
        }

        @Test(.timeLimit(.minutes(8)))
        func unhealthyVersionsAreRolledBackOnEveryNodeAndAGoodOneArrivesWithoutAFailedCall() async throws {
            let folder = try temporaryDirectory("health-rollback")
            defer { try? FileManager.default.removeItem(at: folder) }
            let site = folder.appendingPathComponent("site")
            try await run(["keygen", "--out", "keys", "--name", "k"], in: folder)
            try await run(["registry", "init", "site", "--root-key", "keys/k.key"], in: folder)
            try await publish("1.0.0", in: folder)
            let registry = try await DesiredState.serve(site, port: 0)
            let url = "http://127.0.0.1:\(registry.port)"
            for node in ["node-a", "node-b", "operator"] {
                try await run(["registry", "add", "main", url, "--root", "site/root.json", "--state-dir", node], in: folder)
            }
            let database = try await freshDatabase(migrated: true)
            // node-b's environment makes 1.0.1 refuse to start there, so its probe fails there only.
            let nodes: [(String, [String: String])] = [("node-a", [:]), ("node-b", ["TEXTKIT_REFUSE_START": "1"])]
            let servers = try nodes.map { node, extra in
                try ServeProcess(["serve", "--port", "0", "--state-dir", folder.appendingPathComponent(node).path, "--node-id", node],
                                 removing: ["MARKET_LOG_LEVEL", "MARKET_HOME"],
                                 environment: ["DATABASE_URL": database, "MARKET_MASTER_KEY": ""].merging(extra) { $1 })
            }
            var ports: [Int] = []
            for server in servers { ports.append(try await DesiredState.port(of: server)) }
            let pool = DatabasePool(connectionString: database, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let store = DesiredPlugins(pool: pool)
            let desired = ["--database", database, "--state-dir", "operator", "--no-wait"]
            try await run(["install", "textkit@^1.0", "--registry", "main"] + desired, in: folder)
            try await expectBoth(running: "1.0.0", store: store, ports: ports)

            // A tenant with textkit enabled, and its token for the chat API.
            let admin = ["DATABASE_URL": database, "MARKET_MASTER_KEY": ""]
            try await run(["tenant", "create", "acme"], in: folder, environment: admin)
            try await run(["enable", "textkit", "--tenant", "acme", "--state-dir", "node-a"], in: folder, environment: admin)
            let token = try await output(["tenant", "token", "acme"], in: folder, environment: admin)
            let adminToken = try await output(["tenant", "token", "--admin"], in: folder, environment: admin)
            let auth = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]

            // textkit receives each reply's message.sent (one delivery per call, a pace the
            // delivery workers keep up with on a busy machine).
            _ = try await pool.query("UPDATE event_subscriptions SET pattern = 'message.sent' WHERE tenant_id = 'acme' AND plugin_id = 'textkit'")

            // Slash commands on both servers, 20 a second each, until the end.
            let load = Load()
            let callers = ports.map { port in
                Task {
                    while !load.stop.load(ordering: .relaxed) {
                        let reply = try? await LoopbackHTTP.request("POST", "/v1/tenants/acme/chats/load-\(port)/messages", port: port, headers: auth,
                                                                   body: #"{"text": "/word_count text=\"a b\"", "user": "u-1"}"#)
                        load.statuses.withLock { $0.append(reply?.status ?? 0) }
                        try? await Task.sleep(for: .milliseconds(50))
                    }
                }
            }
            try await eventually(within: 20, "both servers answer") {
                try await toolCalls(pool).filter { $0.ok }.count >= 20
            }

            // 1.0.1 refuses to start on node-b: its probe fails there, and node-b rolls it back.
            try await publish("1.0.1", in: folder, replacing: [
                "    (void)config_json;\n": "    (void)config_json;\n    if (getenv(\"TEXTKIT_REFUSE_START\")) { put(error, \"refused to start here\"); return MK_ERR_INTERNAL; }\n",
            ])
            try await run(["update", "textkit"] + desired, in: folder)
            let probe = try await rollback(of: "1.0.1", store: store)
            #expect(probe.toVersion == "1.0.0" && probe.nodeID == "node-b" && probe.reason.contains("PROBE_FAILED"), "\(probe)")
            try await expectBoth(running: "1.0.0", store: store, ports: ports)

            // 1.0.2 fails every call of word_count: each node's watch sees it, one rolls it back.
            try await publish("1.0.2", in: folder, replacing: [
                "return word_count(args, result, error);": "{ (void)word_count; put(error, \"broken build\"); return MK_ERR_INTERNAL; }",
            ])
            try await run(["update", "textkit"] + desired, in: folder)
            let failing = try await rollback(of: "1.0.2", store: store, within: 90)
            #expect(failing.toVersion == "1.0.0" && failing.reason.contains("calls failed"), "\(failing)")
            try await expectBoth(running: "1.0.0", store: store, ports: ports)

            // Each rollback left its audit entry and its event, and the API says what happened.
            let audit = try await pool.query("SELECT actor, details FROM audit_log WHERE action = 'plugin.rolled_back' ORDER BY id")
            #expect(try audit.map { try $0.decode("details", as: JSONValue.self)["from"] } == [.string("1.0.1"), .string("1.0.2")])
            #expect(try audit.first?.decode("actor", as: String.self) == "node:node-b")
            let events = try await pool.query("SELECT data::text AS data FROM events WHERE type = 'plugin.rolled_back' AND tenant_id = 'acme' ORDER BY seq")
            #expect(try events.map { try JSONValue(parsing: try $0.decode("data", as: String.self))["from"] } == [.string("1.0.1"), .string("1.0.2")])
            let listing = try await LoopbackHTTP.get("/v1/admin/plugins", port: ports[0], headers: ["Authorization": "Bearer \(adminToken)"])
            let plugin = try #require((try listing.json()["plugins"] as? [[String: Any]])?.first)
            let shown = try #require(plugin["rolled_back"] as? [String: Any], "\(listing.text)")
            #expect(shown["from"] as? String == "1.0.2" && (shown["reason"] as? String)?.contains("calls failed") == true)
            let listed = try await runProcess(market, ["list", "--database", database], in: folder)
            #expect(listed.stdout.contains("textkit 1.0.0") && listed.stdout.contains("rolled back from 1.0.2"), "\(listed.stdout)\(listed.stderr)")
            // The nodes' metrics: both rollbacks (one per node that made it), the watch's verdicts
            // on 1.0.2, and each node converged again.
            var rollbacks = 0.0, verdicts = 0.0
            for port in ports {
                let exposed = MetricsExposition(try await LoopbackHTTP.get("/metrics", port: port).text)
                rollbacks += exposed.sum("market_plugin_rollbacks_total", ["plugin": "textkit"])
                verdicts += exposed.sum("market_plugin_unhealthy_total", ["plugin": "textkit"])
                #expect(exposed.sum("market_plugin_converged", ["plugin": "textkit"]) == 1)
                #expect(exposed.sum("market_plugin_unconverged_seconds", ["plugin": "textkit"]) == 0)
            }
            #expect(rollbacks == 2 && verdicts >= 1, "rollbacks \(rollbacks), verdicts \(verdicts)")

            // A rolled-back version is not applied again on its own.
            try await Task.sleep(for: .seconds(3))
            #expect(try await store.desired("textkit")?.target?.version == "1.0.0")

            // Only the broken build's calls failed; every other call succeeded.
            let calls = try await toolCalls(pool)
            #expect(calls.contains { !$0.ok && $0.version == "1.0.2" }, "the broken build was called, and judged by its calls")
            #expect(calls.filter { !$0.ok && $0.version != "1.0.2" }.isEmpty, "\(calls.filter { !$0.ok }.prefix(5))")

            // A good version under the same load: no failed call, and after both servers
            // converged every call reports it.
            let before = try await toolCalls(pool).count
            try await publish("1.0.3", in: folder)
            try await run(["update", "textkit"] + desired, in: folder)
            try await expectBoth(running: "1.0.3", store: store, ports: ports)
            // Replies that started before the last switch have finished by now.
            try await Task.sleep(for: .seconds(1))
            let converged = try await toolCalls(pool).count
            try await eventually(within: 20, "calls after convergence") { try await toolCalls(pool).count > converged + 20 }
            load.stop.store(true, ordering: .relaxed)
            for caller in callers { await caller.value }
            let update = try await toolCalls(pool)
            #expect(update[before...].allSatisfy { $0.ok }, "\(update[before...].filter { !$0.ok }.prefix(5))")
            #expect(update[converged...].allSatisfy { $0.version == "1.0.3" }, "\(update[converged...].filter { $0.version != "1.0.3" }.prefix(5))")
            #expect(load.statuses.withLock { $0 }.allSatisfy { $0 == 200 }, "every chat request was answered")
            // Each reply's message.sent was delivered to textkit by the servers throughout, every
            // one on its first attempt.
            try await eventually(within: 60, "the deliveries are done") {
                try await pool.query("SELECT count(*) AS n FROM deliveries WHERE status = 'pending'").first?.decode("n", as: Int.self) == 0
            }
            let deliveries = try #require(try await pool.query("""
                SELECT count(*) AS total, count(*) FILTER (WHERE status <> 'delivered' OR attempts > 1 OR last_error IS NOT NULL) AS troubled
                FROM deliveries WHERE subscriber LIKE '%textkit'
                """).first)
            #expect(try deliveries.decode("total", as: Int.self) > 100)
            #expect(try deliveries.decode("troubled", as: Int.self) == 0)

            await pool.shutdown()
            for server in servers {
                server.signal(SIGTERM)
                let exit = try await server.exitStatus(within: 30)
                #expect(exit.signaled == false && exit.status == 0, "exit \(exit); stderr: \(server.standardError); last log lines:\n\(server.output.suffix(15).joined(separator: "\n"))")
            }
            _ = registry
        }

        /// The `tool.called` events so far, in order: whether each call succeeded and which version ran it.
        private func toolCalls(_ pool: DatabasePool) async throws -> [(ok: Bool, version: String?)] {
            try await pool.query("SELECT data::text AS data FROM events WHERE type = 'tool.called' ORDER BY seq").map { row in
                let data = try JSONValue(parsing: try row.decode("data", as: String.self))
                let version: String? = if case .string(let version)? = data["plugin_version"] { version } else { nil }
                return (data["ok"] == .bool(true), version)
            }
        }

        /// Waits for the automatic rollback of `version` and returns it.
        private func rollback(of version: String, store: DesiredPlugins, within: Double = 60) async throws -> PluginRollback {
            try await eventually(within: within, "\(version) is rolled back") {
                try await store.lastRollbacks(of: "textkit")["textkit"]?.fromVersion == version
            }
            return try #require(try await store.lastRollbacks(of: "textkit")["textkit"])
        }

        /// Both servers converged on the current desired generation, which wants `version`, and serve it.
        private func expectBoth(running version: String, store: DesiredPlugins, ports: [Int]) async throws {
            try await eventually(within: 60, "both servers report \(version) running at the current generation") {
                guard let desired = try await store.desired("textkit"), desired.target?.version == version else { return false }
                let states = try await store.states(of: "textkit")
                return states.count == 2 && states.allSatisfy { $0.converged(at: desired.generation) && $0.runningVersion == version }
            }
            for port in ports { #expect(try await DesiredState.catalog(port: port)["textkit"] == version) }
        }

        /// What `market arguments` printed on standard output, trimmed.
        private func output(_ arguments: [String], in folder: URL, environment: [String: String]) async throws -> String {
            let result = try await runProcess(market, arguments, in: folder, environment: environment)
            try #require(result.status == 0, "market \(arguments.joined(separator: " ")): \(result.stderr)")
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        private func publish(_ version: String, in folder: URL, replacing: [String: String] = [:]) async throws {
            let plugins = try await FixturePlugin.textkit(version: version, in: folder, replacing: replacing)
            try await run(["registry", "build", "site", "--key", "keys/k.key", "--plugins", plugins.path], in: folder)
        }

        private func run(_ arguments: [String], in folder: URL, environment: [String: String] = [:]) async throws {
            let result = try await runProcess(market, arguments, in: folder, environment: environment)
            try #require(result.status == 0, "market \(arguments.joined(separator: " ")): \(result.stdout)\(result.stderr)")
        }
    }
}

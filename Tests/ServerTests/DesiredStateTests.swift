import Foundation
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension ServerTests {
    /// Two `market serve` replicas on one database, each with its own state folder, converge on
    /// the desired plugin state that `market install|update|rollback --database` records: real
    /// textkit builds published to a registry served over loopback HTTP.
    @Suite struct DesiredState {
        let market = buildProductsDirectory.appendingPathComponent("market").path

        @Test(.timeLimit(.minutes(6)))
        func changesReachBothServersAnUnreachableRegistryKeepsTheRunningVersionAndConcurrentChangesConflict() async throws {
            let folder = try temporaryDirectory("desired-state")
            defer { try? FileManager.default.removeItem(at: folder) }
            let site = folder.appendingPathComponent("site")
            try await run(["keygen", "--out", "keys", "--name", "k"], in: folder)
            try await run(["registry", "init", "site", "--root-key", "keys/k.key"], in: folder)
            try await publish("1.0.0", in: folder)
            var registry: LoopbackServerProcess? = try await Self.serve(site, port: 0)
            let port = try #require(registry?.port)
            let url = "http://127.0.0.1:\(port)"

            // Each server trusts the registry as `main`; the operator's machine also has a folder
            // mirror of it, so it can resolve versions while the servers cannot reach it.
            for node in ["node-a", "node-b"] {
                try await run(["registry", "add", "main", url, "--root", "site/root.json", "--state-dir", node], in: folder)
            }
            try await run(["registry", "add", "main", url, "--root", "site/root.json", "--mirror", site.path, "--state-dir", "operator"], in: folder)

            let database = try await freshDatabase(migrated: true)
            let servers = try ["node-a", "node-b"].map { node in
                try ServeProcess(["serve", "--port", "0", "--state-dir", folder.appendingPathComponent(node).path, "--node-id", node],
                                 removing: ["MARKET_LOG_LEVEL", "MARKET_HOME"], environment: ["DATABASE_URL": database])
            }
            var ports: [Int] = []
            for server in servers { ports.append(try await Self.port(of: server)) }
            let pool = DatabasePool(connectionString: database, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let store = DesiredPlugins(pool: pool)
            let desiredArguments = ["--database", database, "--state-dir", "operator", "--timeout", "60"]

            // An install through the CLI reaches both servers, which then serve it.
            let installed = try await runProcess(market, ["install", "textkit@^1.0", "--registry", "main"] + desiredArguments, in: folder)
            #expect(installed.status == 0, "\(installed.stdout)\(installed.stderr)")
            #expect(installed.stdout.contains("node-a: converged, running 1.0.0") && installed.stdout.contains("node-b: converged, running 1.0.0"),
                    "\(installed.stdout)")
            try await expectBoth(serving: "1.0.0", store: store, ports: ports)
            let audit = try await pool.query("SELECT action, target FROM audit_log WHERE action LIKE 'plugin.%' ORDER BY id")
            #expect(try audit.map { "\(try $0.decode("action", as: String.self)) \(try $0.decode("target", as: String.self))" } == ["plugin.install plugin:textkit"])

            // An update reaches both.
            try await publish("1.0.1", in: folder)
            let updated = try await runProcess(market, ["update", "textkit"] + desiredArguments, in: folder)
            #expect(updated.status == 0, "\(updated.stdout)\(updated.stderr)")
            try await expectBoth(serving: "1.0.1", store: store, ports: ports)

            // The registry becomes unreachable: each server keeps 1.0.1, reports the error and
            // retries with backoff; the CLI says so and fails with NOT_CONVERGED.
            try await publish("1.0.2", in: folder)
            registry = nil
            let unreachable = try await runProcess(market, ["update", "textkit"] + desiredArguments, in: folder)
            #expect(unreachable.status != 0)
            #expect(unreachable.stderr.contains("NOT_CONVERGED"), "\(unreachable.stderr)")
            #expect(unreachable.stdout.contains("node-a: failed, keeps 1.0.1"), "\(unreachable.stdout)")
            for state in try await store.states(of: "textkit") {
                #expect(state.runningVersion == "1.0.1" && state.wantedVersion == "1.0.2" && state.lastError != nil, "\(state)")
            }
            try await eventually(within: 20, "each server retried") {
                try await store.states(of: "textkit").allSatisfy { $0.attempts >= 2 }
            }
            for port in ports { #expect(try await Self.catalog(port: port)["textkit"] == "1.0.1", "the running version keeps serving") }

            // Back again on the same port: the servers' retries get there on their own.
            registry = try await Self.serve(site, port: port)
            try await expectBoth(serving: "1.0.2", store: store, ports: ports, within: 60)

            // Two concurrent changes from the same generation: one wins, the other is refused
            // with PLUGIN_CHANGE_CONFLICT, and no server is left with anything half-installed.
            let generation = try #require(try await store.desired("textkit")).generation
            let changes = ["--if-generation", String(generation)] + desiredArguments
            async let first = runProcess(market, ["install", "textkit@1.0.0", "--registry", "main"] + changes, in: folder)
            async let second = runProcess(market, ["rollback", "textkit"] + changes, in: folder)
            let outcomes = try await [first, second]
            #expect(outcomes.filter { $0.status == 0 }.count == 1, "\(outcomes.map { $0.stdout + $0.stderr })")
            let refused = try #require(outcomes.first { $0.status != 0 })
            #expect(refused.stderr.contains("PLUGIN_CHANGE_CONFLICT"), "\(refused.stderr)")
            let winner = try #require(try await store.desired("textkit")?.target?.version)
            #expect(try await store.desired("textkit")?.generation == generation + 1)
            try await expectBoth(serving: winner, store: store, ports: ports)
            for node in ["node-a", "node-b"] {
                let plugins = folder.appendingPathComponent("\(node)/plugins")
                #expect(try FileManager.default.contentsOfDirectory(atPath: plugins.path) == ["textkit"], "no staging leftovers")
                #expect(try FileManager.default.destinationOfSymbolicLink(atPath: plugins.appendingPathComponent("textkit/current").path) == winner)
                let verified = try await runProcess(market, ["verify", "--state-dir", node], in: folder)
                #expect(verified.status == 0, "every file matches the lock: \(verified.stdout)\(verified.stderr)")
            }

            await pool.shutdown()
            for server in servers {
                server.signal(SIGTERM)
                let exit = try await server.exitStatus(within: 30)
                #expect(exit.signaled == false && exit.status == 0, "exit \(exit); stderr: \(server.standardError); last log lines:\n\(server.output.suffix(15).joined(separator: "\n"))")
            }
            _ = registry
        }

        /// Every node reports `version` running and converged, and serves it at GET /v1/plugins.
        private func expectBoth(serving version: String, store: DesiredPlugins, ports: [Int], within: Double = 15) async throws {
            try await eventually(within: within, "both servers report \(version) running") {
                let states = try await store.states(of: "textkit")
                return states.count == 2 && states.allSatisfy { $0.runningVersion == version && $0.lastError == nil }
            }
            for port in ports { #expect(try await Self.catalog(port: port)["textkit"] == version) }
        }

        private func publish(_ version: String, in folder: URL) async throws {
            let plugins = try await FixturePlugin.textkit(version: version, in: folder)
            try await run(["registry", "build", "site", "--key", "keys/k.key", "--plugins", plugins.path], in: folder)
        }

        private func run(_ arguments: [String], in folder: URL) async throws {
            let result = try await runProcess(market, arguments, in: folder)
            try #require(result.status == 0, "market \(arguments.joined(separator: " ")): \(result.stderr)")
        }

        /// Python's http.server on loopback serving `folder`; it prints its port once it listens.
        static func serve(_ folder: URL, port: Int) async throws -> LoopbackServerProcess {
            try await LoopbackServerProcess.start(["python3", "-u", "-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", folder.path]) { seen in
                let words = seen.split(separator: " ")
                guard seen.contains(") ..."), let index = words.firstIndex(of: "port"), index + 1 < words.count else { return nil }
                return Int(words[index + 1])
            }
        }

        /// The plugins GET /v1/plugins lists, id to version.
        static func catalog(port: Int) async throws -> [String: String] {
            let reply = try await LoopbackHTTP.get("/v1/plugins", port: port)
            let plugins = try #require(try reply.json()["plugins"] as? [[String: Any]])
            return Dictionary(plugins.compactMap { entry in (entry["id"] as? String).map { ($0, entry["version"] as? String ?? "") } }, uniquingKeysWith: { a, _ in a })
        }

        static func port(of serve: ServeProcess) async throws -> Int {
            let listening = try await serve.line(within: 60) { $0.contains("\"message\":\"listening\"") }
            let record = try #require(try JSONSerialization.jsonObject(with: Data(listening.utf8)) as? [String: Any])
            return try #require((record["port"] as? String).flatMap(Int.init))
        }
    }
}

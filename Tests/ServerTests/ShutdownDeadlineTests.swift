import Foundation
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension ServerTests {
    /// A stop of `market serve` ends within `--delivery-timeout` even when work in flight never
    /// finishes (here a request whose query waits on a lock no one releases; a plugin stuck in a
    /// call holds the process the same way).
    @Suite struct ShutdownDeadline {
        @Test(.timeLimit(.minutes(3)))
        func sigtermEndsWithinTheDeliveryTimeoutWhateverIsStuck() async throws {
            let state = try temporaryDirectory("serve-deadline")
            let cluster = PrivateCluster(stateDirectory: state)
            defer {
                try? FileManager.default.removeItem(at: state)
            }
            do {
                try await run(state: state, cluster: cluster)
            } catch {
                _ = try? await cluster.stop()
                throw error
            }
            _ = try? await cluster.stop()
        }

        private func run(state: URL, cluster: PrivateCluster) async throws {
            let serve = try ServeProcess(["serve", "--port", "0", "--state-dir", state.path, "--delivery-timeout", "3", "--delivery-lease", "10"],
                                         removing: ["DATABASE_URL", "MARKET_LOG_LEVEL"])
            let listening = try await serve.line(within: 120) { $0.contains("\"message\":\"listening\"") }
            let record = try #require(try JSONSerialization.jsonObject(with: Data(listening.utf8)) as? [String: Any])
            let port = try #require((record["port"] as? String).flatMap(Int.init))

            let blocker = try await onThread { try PostgresConnection.connect(cluster.connectionString) }
            defer { blocker.close() }
            try await onThread { try blocker.run("BEGIN; LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE") }
            let stuck = Task { try? await LoopbackHTTP.get("/readyz", port: port) }
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                let waiting = try await onThread { try blocker.query("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted") }
                if try waiting.first?.decode("n", as: Int.self) ?? 0 > 0 { break }
                try await Task.sleep(for: .milliseconds(50))
            }

            let stopping = ContinuousClock.now
            serve.signal(SIGTERM)
            let exit = try await serve.exitStatus(within: 20)
            let took = ContinuousClock.now - stopping
            #expect(took < .seconds(5), "stopped in \(took), with --delivery-timeout 3")
            #expect(exit.signaled == false && exit.status == 1, "work was left in flight: not a clean stop")
            let overran = serve.output.first { $0.contains("did not finish within --delivery-timeout") }
            // It names what held the stop: the HTTP server, finishing the request stuck on the lock.
            #expect(overran?.contains(#""waiting_for":"http server""#) == true, "\(overran ?? "no such line")")
            try await onThread { try blocker.run("COMMIT") }
            _ = await stuck.value
        }
    }
}

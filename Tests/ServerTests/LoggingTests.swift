import Foundation
import MarketServer
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension ServerTests {
    @Suite struct Logging {
        /// On a terminal, people read the log: text, not JSON (the JSON case is in the SIGTERM test).
        @Test(.timeLimit(.minutes(2)))
        func humanTextOnATerminal() async throws {
            let database = try await freshDatabase(migrated: true)
            let state = try temporaryDirectory("serve-terminal")
            defer { try? FileManager.default.removeItem(at: state) }
            let market = buildProductsDirectory.appendingPathComponent("market").path
            // script(1) gives the server a pseudo-terminal as standard output. It runs the command
            // through $SHELL or /bin/sh; `exec` makes the server script's own child whichever shell that is.
            let serve = try ServeProcess(executable: "/usr/bin/script", ["-qefc", "exec \(market) serve --port 0 --state-dir \(state.path)", "/dev/null"],
                                         removing: ["MARKET_LOG_LEVEL"], environment: ["DATABASE_URL": database])
            let listening = try await serve.line(within: 60) { $0.contains("listening") && $0.contains("port=") }
            #expect(!listening.hasPrefix("{"), "a terminal gets text: \(listening)")
            #expect(listening.contains("info"))
            let digits = listening.split(separator: "port=").last?.prefix { $0.isNumber } ?? ""
            let port = try #require(Int(digits), "\(listening)")
            #expect(try await LoopbackHTTP.get("/healthz", port: port).status == 200)
            let server = try #require(serve.firstChild)
            let command = try String(contentsOfFile: "/proc/\(server)/comm", encoding: .utf8)
            #expect(command.hasPrefix("market"), "the signal must reach the server, not a shell: \(command)")
            kill(server, SIGTERM)
            let exit = try await serve.exitStatus(within: 30)
            #expect(exit.signaled == false && exit.status == 0)
        }

        /// A database that hangs must not hang the readiness probe.
        @Test func aStuckDatabaseFailsTheReadinessCheckInTime() async throws {
            let database = try await freshDatabase(migrated: true)
            let blocker = try await onThread { try PostgresConnection.connect(database) }
            defer { blocker.close() }
            try await onThread { try blocker.run("BEGIN; LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE") }
            let pool = DatabasePool(connectionString: database, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let readiness = DatabaseReadiness(pool: pool, migrator: try Migrator(), statementTimeoutMilliseconds: 200)
            let start = ContinuousClock.now
            let outcome = await readiness.check()
            #expect(ContinuousClock.now - start < .seconds(3))
            guard case .notReady(let code, _, _) = outcome else {
                Issue.record("expected not ready, got \(outcome)")
                return
            }
            #expect(code == .databaseUnavailable)
            try await onThread { try blocker.run("COMMIT") }
            #expect(await readiness.check() == .ready)
            await pool.shutdown()
        }
    }
}

import Foundation
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension ServerTests {
    /// `market serve` migrates the database it is given, and refuses one a newer market migrated.
    @Suite struct SchemaAtStart {
        var market: String { buildProductsDirectory.appendingPathComponent("market").path }

        @Test(.timeLimit(.minutes(3)))
        func serveMigratesAFreshDatabaseAndTheCommandsThenRun() async throws {
            let database = try await freshDatabase(migrated: false)
            let state = try temporaryDirectory("serve-schema")
            defer { try? FileManager.default.removeItem(at: state) }
            let environment = ["DATABASE_URL": database, "MARKET_MASTER_KEY": ""]
            // Before serve: a tenant command refuses the fresh database.
            let before = try await runProcess(market, ["tenant", "list", "--state-dir", state.path], environment: environment)
            #expect(before.status == 1 && before.stderr.contains("error: SCHEMA_BEHIND"), "\(before.stderr)")

            let serve = try ServeProcess(["serve", "--port", "0", "--state-dir", state.path], removing: ["MARKET_LOG_LEVEL"], environment: environment)
            _ = try await serve.line(within: 60) { $0.contains("\"message\":\"listening\"") }
            let pool = DatabasePool(connectionString: database, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let versions = try await pool.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.decode("version", as: Int.self) }
            await pool.shutdown()
            #expect(versions == BuiltInMigrations.all.map(\.version))
            let after = try await runProcess(market, ["tenant", "create", "acme", "--state-dir", state.path], environment: environment)
            #expect(after.status == 0, "\(after.stderr)")
            serve.signal(SIGTERM)
            let exit = try await serve.exitStatus(within: 30)
            #expect(exit.signaled == false && exit.status == 0, "stderr: \(serve.standardError)")
        }

        @Test(.timeLimit(.minutes(3)))
        func serveRefusesADatabaseFromANewerMarket() async throws {
            let database = try await freshDatabase(migrated: true)
            let state = try temporaryDirectory("serve-schema-newer")
            defer { try? FileManager.default.removeItem(at: state) }
            let pool = DatabasePool(connectionString: database, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            _ = try await pool.query("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'from_the_future', 'x')")

            let serve = try ServeProcess(["serve", "--port", "0", "--state-dir", state.path], removing: ["MARKET_LOG_LEVEL"],
                                         environment: ["DATABASE_URL": database, "MARKET_MASTER_KEY": ""])
            let exit = try await serve.exitStatus(within: 60)
            #expect(exit.signaled == false && exit.status == 1)
            #expect(serve.standardError.contains("error: SCHEMA_NEWER"), "stderr: \(serve.standardError)")
            #expect(serve.standardError.contains("fix: upgrade market"))
            #expect(!serve.output.contains { $0.contains("\"message\":\"listening\"") })
            // Nothing made: no admin token, no master key.
            let tokens = try await pool.query("SELECT count(*)::int AS n FROM api_tokens")[0].decode("n", as: Int.self)
            await pool.shutdown()
            #expect(tokens == 0)
            #expect(!FileManager.default.fileExists(atPath: state.appendingPathComponent("master.key").path))
        }
    }
}

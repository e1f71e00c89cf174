import Foundation
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// Only `market serve` and `market db migrate` change the schema: every other command, run
    /// from the built executable, refuses a schema that is not its own and writes nothing.
    @Suite struct SchemaCommandTests {
        var market: String { buildProductsDirectory.appendingPathComponent("market").path }

        func run(_ arguments: [String], _ url: String, state: URL) async throws -> ProcessOutput {
            try await runProcess(market, arguments + ["--state-dir", state.path],
                                 environment: ["DATABASE_URL": url, "MARKET_MASTER_KEY": "", "USER": "operator"])
        }

        func count(_ table: String, _ url: String) async throws -> Int {
            let pool = DatabasePool(connectionString: url, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let rows = try await pool.query("SELECT count(*)::int AS n FROM \(table)")
            await pool.shutdown()
            return try rows[0].decode("n", as: Int.self)
        }

        func publicTables(_ url: String) async throws -> [String] {
            let pool = DatabasePool(connectionString: url, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let rows = try await pool.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
            await pool.shutdown()
            return try rows.map { try $0.decode("tablename", as: String.self) }
        }

        @Test func aBehindSchemaIsRefusedUntilDbMigrate() async throws {
            let url = try await freshDatabase()
            let state = try temporaryDirectory("schema-behind")
            defer { try? FileManager.default.removeItem(at: state) }
            let last = try #require(BuiltInMigrations.all.last)
            let older = try Migrator(migrations: Array(BuiltInMigrations.all.dropLast()))
            let pool = DatabasePool(connectionString: url, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            try await older.apply(using: pool, logger: quietLogger)
            await pool.shutdown()

            for command in [["tenant", "create", "acme"], ["events", "publish", "lead.created", "{}", "--tenant", "acme"],
                            ["secret", "rotate-key"]] {
                let refused = try await run(command, url, state: state)
                #expect(refused.status == 1, "\(command)")
                #expect(refused.stderr.contains("error: SCHEMA_BEHIND"), "\(command): \(refused.stderr)")
                #expect(refused.stderr.contains(last.fileName))
                #expect(refused.stderr.contains("fix: run `market db migrate`"))
            }
            // Nothing written: no tenant, no admin token, no migration, no half-rotated key.
            #expect(try await count("tenants", url) == 0)
            #expect(try await count("api_tokens", url) == 0)
            #expect(try await count("events", url) == 0)
            #expect(try await count("schema_migrations", url) == BuiltInMigrations.all.count - 1)
            #expect(!FileManager.default.fileExists(atPath: state.appendingPathComponent("master.key.new").path))

            let migrated = try await run(["db", "migrate"], url, state: state)
            #expect(migrated.status == 0, "\(migrated.stderr)")
            #expect(migrated.stdout.contains("applied migrations \(last.version)\n"))
            let created = try await run(["tenant", "create", "acme"], url, state: state)
            #expect(created.status == 0, "\(created.stderr)")
            #expect(try await count("tenants", url) == 1)
        }

        @Test func aFreshDatabaseIsNotMigratedByATenantCommand() async throws {
            let url = try await freshDatabase()
            let state = try temporaryDirectory("schema-fresh")
            defer { try? FileManager.default.removeItem(at: state) }
            let refused = try await run(["tenant", "list"], url, state: state)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("error: SCHEMA_BEHIND"), "\(refused.stderr)")
            #expect(try await publicTables(url) == [])
        }

        @Test func aDatabaseFromANewerMarketIsRefusedByEveryCommand() async throws {
            let url = try await freshDatabase(migrated: true)
            let state = try temporaryDirectory("schema-newer")
            defer { try? FileManager.default.removeItem(at: state) }
            let pool = DatabasePool(connectionString: url, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            _ = try await pool.query("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'from_the_future', 'x')")
            await pool.shutdown()

            for command in [["tenant", "list"], ["db", "migrate"], ["events", "publish", "lead.created", "{}", "--tenant", "acme"],
                            ["secret", "rotate-key"]] {
                let refused = try await run(command, url, state: state)
                #expect(refused.status == 1, "\(command)")
                #expect(refused.stderr.contains("error: SCHEMA_NEWER"), "\(command): \(refused.stderr)")
                #expect(refused.stderr.contains("migration 9999 (from_the_future)"))
                #expect(refused.stderr.contains("fix: upgrade market"))
            }
            #expect(try await count("schema_migrations", url) == BuiltInMigrations.all.count + 1)
            #expect(try await count("api_tokens", url) == 0)
            #expect(!FileManager.default.fileExists(atPath: state.appendingPathComponent("master.key.new").path))
        }
    }
}

import Foundation
import MarketCore
import MarketStore
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// Versioned migrations under an advisory lock, with checksums.
    @Suite struct MigrationTests {
        static let migrationsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Host/Store/Migrations")

        /// The build embeds every file of the folder, each under its own number, in order.
        @Test func theEmbeddedMigrationsAreTheSQLFilesNumberedWithoutGaps() throws {
            let files = try FileManager.default.contentsOfDirectory(atPath: Self.migrationsFolder.path).filter { $0.hasSuffix(".sql") }.sorted()
            #expect(files.allSatisfy { $0.range(of: #"^[0-9]{4}_[a-z0-9_]+\.sql$"#, options: .regularExpression) != nil })
            #expect(BuiltInMigrations.all.map { $0.fileName + ".sql" } == files)
            #expect(BuiltInMigrations.all.map(\.version) == Array(1...files.count))
            for migration in BuiltInMigrations.all {
                let text = try String(contentsOf: Self.migrationsFolder.appendingPathComponent(migration.fileName + ".sql"), encoding: .utf8)
                #expect(migration.sql == text, "\(migration.fileName) is not embedded byte for byte")
            }
        }

        @Test func theSchemaAppliesOnceAndHasItsTables() async throws {
            let pool = DatabasePool(connectionString: try await freshDatabase(), configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let migrator = try Migrator()
            #expect(try await migrator.apply(using: pool, logger: quietLogger) == BuiltInMigrations.all.map(\.version))
            #expect(try await migrator.apply(using: pool, logger: quietLogger) == [])
            let tables = try await pool.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
                .map { try $0.decode("tablename", as: String.self) }
            #expect(tables == ["analytics_daily", "analytics_latency", "analytics_pending", "analytics_user_days", "analytics_users", "api_tokens", "audit_log", "bot_settings", "connections",
                              "conversations", "deliveries", "delivery_attempts", "desired_plugins", "event_subscriptions", "event_targets", "events",
                              "experiments", "feedback", "kv", "messages", "oauth_authorizations", "plugin_documents", "plugin_hooks", "plugin_installations", "plugin_node_states", "plugin_nodes", "plugin_rollbacks", "schema_migrations",
                              "secrets", "telegram_bots", "telegram_inbox", "telegram_poll_offsets", "tenants"])
            let pending = try await pool.withConnection { connection in try migrator.pendingVersions(on: connection) }
            #expect(pending.isEmpty)
            await pool.shutdown()
        }

        @Test func twoAppliersRacingApplyEachMigrationOnce() async throws {
            let url = try await freshDatabase()
            let migrations = [
                Migration(version: 1, name: "counter", sql: "CREATE TABLE runs (version int); SELECT pg_sleep(0.2); INSERT INTO runs VALUES (1);"),
                Migration(version: 2, name: "second", sql: "INSERT INTO runs VALUES (2);"),
            ]
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await onThread {
                            let connection = try PostgresConnection.connect(url)
                            defer { connection.close() }
                            return try Migrator(migrations: migrations).apply(on: connection, logger: quietLogger)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(applied.sorted { $0.count < $1.count } == [[], [1, 2]])
            let pool = DatabasePool(connectionString: url, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let runs = try await pool.query("SELECT version FROM runs ORDER BY version").map { try $0.decode("version", as: Int.self) }
            #expect(runs == [1, 2])
            let recorded = try await pool.query("SELECT version, checksum FROM schema_migrations ORDER BY version")
            #expect(try recorded.map { try $0.decode("checksum", as: String.self) } == migrations.map(\.checksum))
            await pool.shutdown()
        }

        @Test func aChangedMigrationIsRefused() async throws {
            let pool = DatabasePool(connectionString: try await freshDatabase(), configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            try await Migrator(migrations: [Migration(version: 1, name: "notes", sql: "CREATE TABLE notes (body text);")]).apply(using: pool, logger: quietLogger)
            let tampered = try Migrator(migrations: [Migration(version: 1, name: "notes", sql: "CREATE TABLE notes (body text, extra int);")])
            let error = await #expect(throws: MarketError.self) { try await tampered.apply(using: pool, logger: quietLogger) }
            #expect(error?.code == .migrationFailed)
            #expect(error?.message.contains("0001_notes") == true)
            #expect(error?.fix.isEmpty == false)
            await pool.shutdown()
        }

        @Test func aFailingMigrationLeavesNothingOfItself() async throws {
            let pool = DatabasePool(connectionString: try await freshDatabase(), configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let migrator = try Migrator(migrations: [
                Migration(version: 1, name: "good", sql: "CREATE TABLE good (id int);"),
                Migration(version: 2, name: "bad", sql: "CREATE TABLE half (id int); CREATE TABLE broken (id no_such_type);"),
            ])
            let error = await #expect(throws: MarketError.self) { try await migrator.apply(using: pool, logger: quietLogger) }
            #expect(error?.code == .migrationFailed)
            #expect(error?.message.contains("0002_bad") == true)
            let tables = try await pool.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
                .map { try $0.decode("tablename", as: String.self) }
            #expect(tables == ["good", "schema_migrations"])
            await pool.shutdown()
        }

        @Test func aDatabaseFromANewerBuildIsRefused() async throws {
            let pool = DatabasePool(connectionString: try await freshDatabase(), configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let first = Migration(version: 1, name: "one", sql: "SELECT 1;")
            try await Migrator(migrations: [first, Migration(version: 2, name: "two", sql: "SELECT 2;")]).apply(using: pool, logger: quietLogger)
            let error = await #expect(throws: MarketError.self) { try await Migrator(migrations: [first]).apply(using: pool, logger: quietLogger) }
            #expect(error?.code == .schemaNewer)
            #expect(error?.message.contains("migration 2 (two)") == true)
            #expect(error?.fix.contains("upgrade market") == true)
            let checked = await #expect(throws: MarketError.self) { try await Migrator(migrations: [first]).requireCurrent(using: pool) }
            #expect(checked?.code == .schemaNewer)
            await pool.shutdown()
        }

        /// What every command but `serve` and `db migrate` asks first: it reads and never writes.
        @Test func requireCurrentRefusesABehindSchemaWithoutWriting() async throws {
            let pool = DatabasePool(connectionString: try await freshDatabase(), configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let one = Migration(version: 1, name: "one", sql: "CREATE TABLE one (id int);")
            let two = Migration(version: 2, name: "two", sql: "CREATE TABLE two (id int);")
            let migrator = try Migrator(migrations: [one, two])
            // A fresh database: behind, and still without even the bookkeeping table.
            let fresh = await #expect(throws: MarketError.self) { try await migrator.requireCurrent(using: pool) }
            #expect(fresh?.code == .schemaBehind)
            #expect(fresh?.message.contains("0001_one, 0002_two") == true)
            #expect(fresh?.fix.contains("market db migrate") == true)
            let tables = { try await pool.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
                .map { try $0.decode("tablename", as: String.self) } }
            #expect(try await tables() == [])

            try await Migrator(migrations: [one]).apply(using: pool, logger: quietLogger)
            let behind = await #expect(throws: MarketError.self) { try await migrator.requireCurrent(using: pool) }
            #expect(behind?.code == .schemaBehind)
            #expect(behind?.message.contains("0002_two") == true && behind?.message.contains("0001_one") == false)
            #expect(try await tables() == ["one", "schema_migrations"])

            try await migrator.apply(using: pool, logger: quietLogger)
            try await migrator.requireCurrent(using: pool)
            await pool.shutdown()
        }

        @Test func requireCurrentRefusesAChangedMigration() async throws {
            let pool = DatabasePool(connectionString: try await freshDatabase(), configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            try await Migrator(migrations: [Migration(version: 1, name: "notes", sql: "CREATE TABLE notes (body text);")]).apply(using: pool, logger: quietLogger)
            let tampered = try Migrator(migrations: [Migration(version: 1, name: "notes", sql: "CREATE TABLE notes (body text, extra int);")])
            let error = await #expect(throws: MarketError.self) { try await tampered.requireCurrent(using: pool) }
            #expect(error?.code == .migrationFailed)
            await pool.shutdown()
        }

        @Test func duplicateVersionsAreRefused() {
            let refused = #expect(throws: MarketError.self) {
                try Migrator(migrations: [Migration(version: 1, name: "a", sql: ""), Migration(version: 1, name: "b", sql: "")])
            }
            #expect(refused?.code == .migrationFailed)
        }
    }
}

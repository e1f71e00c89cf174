import Foundation
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// `market db …` run as a user would, from the built executable.
    @Suite struct DatabaseCommandTests {
        var market: String { buildProductsDirectory.appendingPathComponent("market").path }

        /// The commands must see no DATABASE_URL unless a test sets one.
        func run(_ arguments: [String], databaseURL: String = "") async throws -> ProcessOutput {
            try await runProcess(market, arguments, environment: ["DATABASE_URL": databaseURL])
        }

        @Test func startStatusAndStopAPrivateCluster() async throws {
            let state = try temporaryDirectory("db-cli")
            let cluster = PrivateCluster(stateDirectory: state)
            defer { try? FileManager.default.removeItem(at: state) }
            do {
                let absent = try await run(["db", "status", "--state-dir", state.path])
                #expect(absent.status == 3)
                #expect(absent.stdout.contains("no private PostgreSQL cluster"))

                let started = try await run(["db", "start", "--state-dir", state.path])
                #expect(started.status == 0, "\(started.stderr)")
                #expect(started.stdout.contains("started the private PostgreSQL cluster"))
                #expect(try await cluster.status() == .running)

                let again = try await run(["db", "start", "--state-dir", state.path])
                #expect(again.stdout.contains("already running"))

                let running = try await run(["db", "status", "--state-dir", state.path])
                #expect(running.status == 0)
                #expect(running.stdout.contains("accepts connections"))

                let migrated = try await run(["db", "migrate", "--state-dir", state.path])
                #expect(migrated.status == 0, "\(migrated.stderr)")
                #expect(migrated.stdout.contains("applied migrations 1"))

                let psql = try await run(["db", "psql", "--state-dir", state.path, "--", "-XAtc", "SELECT count(*) FROM schema_migrations"])
                #expect(psql.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(BuiltInMigrations.all.count)", "\(psql.stderr)")

                let stopped = try await run(["db", "stop", "--state-dir", state.path])
                #expect(stopped.status == 0)
                #expect(stopped.stdout.contains("stopped"))
                #expect(try await cluster.status() == .stopped)

                let after = try await run(["db", "status", "--state-dir", state.path])
                #expect(after.status == 3)
            } catch {
                _ = try? await cluster.stop()
                throw error
            }
            _ = try? await cluster.stop()
        }

        @Test func withDatabaseURLTheCommandsUseThatServer() async throws {
            let url = try #require(SharedCluster.current).connectionString
            let state = try temporaryDirectory("db-url")
            defer { try? FileManager.default.removeItem(at: state) }

            let start = try await run(["db", "start", "--state-dir", state.path], databaseURL: url)
            #expect(start.status == 0)
            #expect(start.stdout.contains("DATABASE_URL is set"))
            #expect(!FileManager.default.fileExists(atPath: state.appendingPathComponent("postgres").path))

            let stop = try await run(["db", "stop", "--state-dir", state.path], databaseURL: url)
            #expect(stop.stdout.contains("DATABASE_URL is set"))

            let status = try await run(["db", "status"], databaseURL: url)
            #expect(status.status == 0)
            #expect(status.stdout.contains("DATABASE_URL server accepts connections"))

            let psql = try await run(["db", "psql", "--", "-XAtc", "SELECT 40 + 2"], databaseURL: url)
            #expect(psql.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "42", "\(psql.stderr)")
        }

        /// The migrations are compiled into the binary: a copy of `market` alone in another
        /// folder, with no build folder beside it, still migrates a database.
        @Test func aCopiedBinaryCarriesItsMigrations() async throws {
            let folder = try temporaryDirectory("market-copy")
            defer { try? FileManager.default.removeItem(at: folder) }
            let copy = folder.appendingPathComponent("market")
            try FileManager.default.copyItem(atPath: market, toPath: copy.path)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["market"])
            let url = try await freshDatabase()
            let migrated = try await runProcess(copy.path, ["db", "migrate"], in: folder, environment: ["DATABASE_URL": url])
            #expect(migrated.status == 0, "\(migrated.stderr)")
            #expect(migrated.stdout.contains("applied migrations " + BuiltInMigrations.all.map { String($0.version) }.joined(separator: ", ")))
        }

        @Test func helpListsTheSubcommands() async throws {
            let help = try await run(["db", "--help"])
            #expect(help.status == 0)
            for command in ["start", "stop", "status", "migrate", "psql"] {
                #expect(help.stdout.contains("  \(command)"), "\(command) missing from `market db --help`")
            }
        }

        @Test func aStateDirectoryTooDeepForASocketIsRefusedWithAFix() async throws {
            let deep = URL(fileURLWithPath: "/tmp/" + String(repeating: "d", count: 100))
            let output = try await run(["db", "start", "--state-dir", deep.path])
            #expect(output.status == 1)
            #expect(output.stderr.contains("error: CLUSTER_FAILED"))
            #expect(output.stderr.contains("fix: choose a shorter --state-dir"))
        }

        @Test func anUnreachableDatabaseURLIsReported() async throws {
            let url = "host=/tmp/no-such-market-socket port=5999 dbname=market"
            let status = try await run(["db", "status"], databaseURL: url)
            #expect(status.status == 3)
            let migrate = try await run(["db", "migrate"], databaseURL: url)
            #expect(migrate.status == 1)
            #expect(migrate.stderr.contains("error: DB_UNAVAILABLE"))
            #expect(migrate.stderr.contains("fix: "))
        }
    }
}

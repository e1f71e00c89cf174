import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

extension BotDatabaseTests {
    /// `market chat` and `market experiments` run from the built executable, driven through
    /// standard input, on a fresh database (DATABASE_URL) with the built first-party plugins.
    @Suite struct ChatCommandTests {
        struct Session {
            let state: URL
            let databaseURL: String

            static func make() async throws -> Session {
                try BotPaths.requirePlugins()
                let session = Session(state: try temporaryDirectory("bot-cli"), databaseURL: try await freshDatabase())
                // As an operator would on a new database: only `db migrate` and `serve` migrate.
                let migrated = try await runProcess(buildProductsDirectory.appendingPathComponent("market").path,
                                                    ["db", "migrate", "--state-dir", session.state.path],
                                                    environment: ["DATABASE_URL": session.databaseURL])
                #expect(migrated.status == 0, "\(migrated.stderr)")
                return session
            }

            /// Runs `market ARGS --state-dir STATE --plugins BUILT`, with `input` on standard input.
            func run(_ arguments: [String], input: String = "") async throws -> ProcessOutput {
                let market = buildProductsDirectory.appendingPathComponent("market").path
                let full = arguments + ["--state-dir", state.path, "--plugins", BotPaths.builtPlugins.path]
                let env = ["DATABASE_URL": databaseURL, "MARKET_MASTER_KEY": "", "USER": "tester", "MARKET_TEST_INPUT": input]
                // The runner gives children /dev/null as standard input; a shell pipes the text in.
                let quoted = ([market] + full).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
                return try await runProcess("/bin/sh", ["-c", "printf %s \"$MARKET_TEST_INPUT\" | " + quoted], environment: env)
            }

            func close() { try? FileManager.default.removeItem(at: state) }
        }

        @Test func chatRunsCommandsAndTheModelAndKeepsTheHistory() async throws {
            let session = try await Session.make()
            #expect(try await session.run(["tenant", "create", "acme"]).status == 0)
            let enabled = try await session.run(["enable", "textkit", "--tenant", "acme"])
            #expect(enabled.status == 0, "\(enabled.stderr)")

            let first = try await session.run(["chat", "--tenant", "acme"], input: "/help\n/word_count text=\"a b c\"\nhello\n/quit\nnever read\n")
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("/word_count text=<string>") && first.stdout.contains("Count the words"))
            #expect(first.stdout.contains("\"words\": 3"))
            #expect(first.stdout.contains("No model is configured"))
            #expect(!first.stdout.contains("never read"))

            let server = try await FakeLLM.start()
            let configured = try await session.run(["config", "openai", "--tenant", "acme", "base_url=\(server.root)/v1", "model=text", "max_retries=0"])
            #expect(configured.status == 0, "\(configured.stderr)")
            #expect(try await session.run(["enable", "openai", "--tenant", "acme"]).status == 0)
            let second = try await session.run(["chat", "--tenant", "acme"], input: "hi\n/feedback up\n")
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stdout.hasPrefix("Hello!\n"))
            #expect(second.stdout.contains("Thanks for the 👍."))

            // One conversation for the user across both runs, every turn stored.
            let rows = try await onThread { [databaseURL = session.databaseURL] in
                let connection = try PostgresConnection.connect(databaseURL)
                defer { connection.close() }
                return try connection.query("""
                    SELECT count(DISTINCT conversation_id) AS conversations, count(*) AS messages FROM messages WHERE tenant_id = 'acme'
                    """).map { [try $0.decode("conversations", as: Int.self), try $0.decode("messages", as: Int.self)] }
            }
            #expect(rows == [[1, 10]])
            // The model saw the earlier turns: the last request holds the first run's messages.
            let requests = try await server.requests()
            #expect(requests.last?["messages"]?.arrayValue?.first?["content"] == .string("/help"))

            let unknown = try await session.run(["chat", "--tenant", "nobody"], input: "hi\n")
            #expect(unknown.status != 0 && unknown.stderr.contains("TENANT_NOT_FOUND"))
            session.close()
        }

        @Test func experimentsCreateListAndReport() async throws {
            let session = try await Session.make()
            #expect(try await session.run(["tenant", "create", "acme"]).status == 0)
            let created = try await session.run(["experiments", "create", "models-1", "--tenant", "acme",
                                                 "--variant", "name=small,plugin=openai,model=gpt-4o-mini,weight=3",
                                                 "--variant", #"{"name":"large","plugin":"openai","model":"gpt-4o","weight":1,"temperature":0.2}"#])
            #expect(created.status == 0, "\(created.stderr)")
            #expect(created.stdout == "experiment models-1 is active for acme: small (weight 3), large (weight 1)\n")
            let listed = try await session.run(["experiments", "list", "--tenant", "acme"])
            #expect(listed.stdout.contains("models-1  active") && listed.stdout.contains("small=openai/gpt-4o-mini×3"))
            let report = try await session.run(["experiments", "report", "models-1", "--tenant", "acme", "--json"])
            #expect(report.status == 0, "\(report.stderr)")
            let figures = try JSONValue(parsing: report.stdout)
            #expect(figures.arrayValue?.map { $0["variant"] } == [.string("small"), .string("large")])
            #expect(figures.arrayValue?.first?["conversations"] == .number(0))
            let bad = try await session.run(["experiments", "create", "x", "--tenant", "acme", "--variant", "name=a,plugin=openai,weight=0",
                                             "--variant", "name=b,plugin=openai"])
            #expect(bad.status != 0 && bad.stderr.contains("EXPERIMENT_INVALID") && bad.stderr.contains("fix:"))
            session.close()
        }
    }
}

/// The bot commands' help is part of the interface.
@Suite struct BotHelpTests {
    @Test func chatAndExperimentsHelpNameTheirOptionsAndCommands() async throws {
        let market = buildProductsDirectory.appendingPathComponent("market").path
        let top = try await runProcess(market, ["--help"])
        for command in ["chat", "bot", "experiments"] { #expect(top.stdout.contains("  \(command) "), "missing \(command)") }
        let chat = try await runProcess(market, ["chat", "--help"])
        for option in ["--tenant", "--plugins", "--state-dir", "--user"] { #expect(chat.stdout.contains(option), "missing \(option)") }
        let experiments = try await runProcess(market, ["experiments", "--help"])
        for command in ["create", "list", "report", "stop"] { #expect(experiments.stdout.contains("  \(command) "), "missing \(command)") }
        let create = try await runProcess(market, ["experiments", "create", "--help"])
        #expect(create.stdout.contains("name=small,plugin=openai,model=gpt-4o-mini,weight=50"))
    }
}

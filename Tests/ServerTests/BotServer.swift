import Foundation
import MarketTestSupport
import StoreTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A tenant `acme` with the built plugins, on a fresh database, and `market serve` over it as a
/// child process: the bot as an operator runs it.
final class BotServer: Sendable {
    let state: URL
    let databaseURL: String
    let telegram: FakeBotAPI
    let model: FakeModel
    private let serving = ServeSlot()

    init(state: URL, databaseURL: String, telegram: FakeBotAPI, model: FakeModel) {
        self.state = state
        self.databaseURL = databaseURL
        self.telegram = telegram
        self.model = model
    }

    /// Makes the tenant with `textkit` and the `openai` plugin on the fake model, runs the
    /// `market` commands of `setup`, and starts serving.
    static func start(setup: [[String]] = []) async throws -> BotServer {
        let server = BotServer(state: try temporaryDirectory("bot-serve"), databaseURL: try await freshDatabase(migrated: true),
                               telegram: try await FakeBotAPI.start(), model: try await FakeModel.start())
        for arguments in [["tenant", "create", "acme"], ["enable", "textkit", "--tenant", "acme"],
                          ["config", "openai", "--tenant", "acme", "base_url=\(server.model.root)/v1", "model=text", "max_retries=0"],
                          ["enable", "openai", "--tenant", "acme"]] + setup {
            let output = try await server.market(arguments)
            #expect(output.status == 0, "market \(arguments.joined(separator: " ")): \(output.stderr)")
        }
        try await server.serve()
        return server
    }

    var environment: [String: String] { ["DATABASE_URL": databaseURL, "MARKET_MASTER_KEY": "", "MARKET_LOG_LEVEL": "info"] }

    /// Runs `market ARGS --state-dir STATE --plugins BUILT` to its end.
    func market(_ arguments: [String], plugins: Bool = true, environment extra: [String: String] = [:]) async throws -> ProcessOutput {
        let full = arguments + ["--state-dir", state.path] + (plugins ? ["--plugins", Repository.builtPlugins.path] : [])
        return try await runProcess(buildProductsDirectory.appendingPathComponent("market").path, full,
                                    environment: environment.merging(extra) { _, new in new })
    }

    /// Starts `market serve` on an ephemeral port; returns the port.
    @discardableResult
    func serve(lease: Int = 3) async throws -> Int {
        let process = try ServeProcess(["serve", "--port", "0", "--state-dir", state.path, "--plugins", Repository.builtPlugins.path,
                                        "--telegram-lease", "\(lease)"], environment: environment)
        let listening = try await process.line(within: 120) { $0.contains("\"message\":\"listening\"") }
        let record = try #require(try JSONSerialization.jsonObject(with: Data(listening.utf8)) as? [String: Any])
        let port = try #require((record["port"] as? String).flatMap(Int.init))
        serving.set(process, port: port)
        return port
    }

    var process: ServeProcess? { serving.current?.process }
    var port: Int { serving.current?.port ?? 0 }

    /// Connects the fake's bot to `acme` with its webhook on this server; returns the bot id.
    func connectBot() async throws -> String {
        let output = try await market(["telegram", "connect", "--tenant", "acme", "--api-base", telegram.base,
                                       "--webhook-base", "http://127.0.0.1:\(port)", "--json"],
                                      plugins: false, environment: ["TELEGRAM_BOT_TOKEN": FakeBotAPI.token])
        #expect(output.status == 0, "\(output.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "\(output.stdout)")
        return try #require(summary["id"] as? String)
    }

    /// A new API token of `acme`.
    func tenantToken() async throws -> String {
        let output = try await market(["tenant", "token", "acme"], plugins: false)
        #expect(output.status == 0, "\(output.stderr)")
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func close() {
        serving.current?.process.signal(SIGKILL)
        try? FileManager.default.removeItem(at: state)
    }
}

/// The `market serve` child currently running, replaced on a restart.
private final class ServeSlot: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var value: (process: ServeProcess, port: Int)?

    var current: (process: ServeProcess, port: Int)? { lock.withLock { value } }
    func set(_ process: ServeProcess, port: Int) { lock.withLock { value = (process, port) } }
}

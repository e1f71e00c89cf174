import CoreMetrics
import Foundation
import Logging
import MarketBot
import MarketCore
import MarketStore
import MarketTestSupport
import PluginHosting
import PluginRuntime
import StoreTestSupport
import Synchronization
import Testing

/// Paths of the package and of the plugins `scripts/build-plugins.sh` built.
enum BotPaths {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let builtPlugins = packageRoot.appendingPathComponent(".build/market-plugins")

    static func requirePlugins() throws {
        for id in ["textkit", "openai", "echo"] {
            try #require(FileManager.default.fileExists(atPath: builtPlugins.appendingPathComponent("\(id)/plugin.json").path),
                         "\(id) is not built: run scripts/build-plugins.sh (the test command does)")
        }
    }
}

/// A fresh database with the schema, a tenant `acme`, the stores, and an engine whose plugins
/// are the real first-party ones loaded with dlopen, publishing into an in-memory log.
struct BotFixture {
    let connectionString: String
    let pool: DatabasePool
    let tenants: TenantStore
    let conversations: ConversationStore
    let experiments: ExperimentStore
    let events: InMemoryEventLog
    let runtime: PluginRuntime
    let engine: ConversationEngine
    let tenant = "acme"

    /// - Parameter bus: whether the engine publishes to the event bus in PostgreSQL (as `market
    ///   serve` does) rather than to `events`.
    static func make(plugins: [String] = ["textkit"], limits: EngineLimits = EngineLimits(), bus: Bool = false,
                     metrics: any MetricsFactory = NOOPMetricsHandler.instance, logger: Logger = quietLogger) async throws -> BotFixture {
        try BotPaths.requirePlugins()
        let connectionString = try await freshDatabase()
        let pool = DatabasePool(connectionString: connectionString, configuration: .init(size: 3), logger: quietLogger)
        pool.start()
        try await Migrator().apply(using: pool, logger: quietLogger)
        let tenants = TenantStore(pool: pool, masterKey: MasterKey.generate(),
                                  manifests: PluginFolders(stateDirectory: nil, developmentFolders: [BotPaths.builtPlugins]), logger: quietLogger)
        try await tenants.createTenant("acme", by: .system)
        for plugin in plugins { try await tenants.enable(plugin, tenant: "acme", by: .system) }
        let events = InMemoryEventLog()
        let runtime = PluginRuntime(services: HostServices(logger: quietLogger, keyValue: PostgresKeyValueStore(pool: pool), events: events))
        let conversations = ConversationStore(pool: pool, logger: quietLogger)
        let experiments = ExperimentStore(pool: pool, logger: quietLogger)
        let host = PluginHost(runtime: runtime, folders: PluginFolders(stateDirectory: nil, developmentFolders: [BotPaths.builtPlugins]),
                              tenants: tenants, logger: logger)
        let engine = ConversationEngine(host: host, tenants: tenants, conversations: conversations, experiments: experiments,
                                        events: bus ? EventBus(pool: pool, logger: quietLogger) : events, closesInstances: true,
                                        limits: limits, metrics: metrics, logger: logger)
        return BotFixture(connectionString: connectionString, pool: pool, tenants: tenants, conversations: conversations,
                          experiments: experiments, events: events, runtime: runtime, engine: engine)
    }

    /// Configures and enables the openai plugin against `server`, answering as `scenario`.
    func enableModel(_ server: FakeLLM, scenario: String) async throws {
        try await tenants.configure("openai", tenant: tenant, with: .object([
            "base_url": .string(server.root + "/v1"), "model": .string(scenario), "max_retries": .number(0),
        ]), by: .system)
        try await tenants.enable("openai", tenant: tenant, by: .system)
    }

    /// Sends `text` as `user` on the test channel; returns the reply and the chunks streamed.
    func say(_ text: String, user: String = "u1", chat: String? = nil) async throws -> (reply: Reply, chunks: [ReplyChunk]) {
        let chunks = Mutex<[ReplyChunk]>([])
        let reply = try await engine.respond(to: text, from: ChatAddress(channel: "test", chatID: chat ?? "chat-\(user)", userID: user),
                                             tenant: tenant) { chunk in chunks.withLock { $0.append(chunk) } }
        return (reply, chunks.withLock { $0 })
    }

    /// Runs one statement; cells as text.
    @discardableResult
    func sql(_ text: String, _ parameters: [any PostgresEncodable] = []) async throws -> [[String?]] {
        try await pool.withConnection { connection in
            let result = try connection.query(text, parameters)
            return try result.map { row in try result.columns.indices.map { try row.decode($0, as: String?.self) } }
        }
    }

    func close() async {
        await engine.shutdown()
        await runtime.shutdown()
        await pool.shutdown()
    }
}

/// Tests/Fixtures/fake-llm/server.py on an ephemeral loopback port: OpenAI's chat-completions
/// protocol with SSE and tool-call deltas; the request's model picks the scenario.
final class FakeLLM: Sendable {
    let server: LoopbackServerProcess

    private init(server: LoopbackServerProcess) {
        self.server = server
    }

    /// Starts a fake of its own.
    static func start() async throws -> FakeLLM {
        let script = BotPaths.packageRoot.appendingPathComponent("Tests/Fixtures/fake-llm/server.py")
        return FakeLLM(server: try await LoopbackServerProcess.start(["python3", "-u", script.path]) { seen in
            guard let line = seen.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) else { return nil }
            return Int(line.dropFirst("listening on ".count))
        })
    }

    var root: String { "http://127.0.0.1:\(server.port)" }

    /// The request bodies the server received, in order.
    func requests() async throws -> [JSONValue] {
        let output = try await runProcess("curl", ["-s", "\(root)/requests"])
        guard case .array(let entries) = try JSONValue(parsing: output.stdout) else { return [] }
        return entries.compactMap { $0["body"] }
    }
}

extension Array where Element == ReplyChunk {
    var text: String { compactMap { if case .text(let piece) = $0 { piece } else { nil } }.joined() }
    var notices: [String] { compactMap { if case .notice(let text) = $0 { text } else { nil } } }
}

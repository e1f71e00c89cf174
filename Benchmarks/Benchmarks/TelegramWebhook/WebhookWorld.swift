import Foundation
import Logging
import MarketBot
import MarketCore
import MarketServer
import MarketStore
import PluginHosting
import PluginRuntime
import Prometheus
import ServiceLifecycle
import TelegramChannel

/// The Telegram channel as `market serve` runs it, in this process: a private PostgreSQL
/// cluster, the server with its webhook route, the inbox processor and the engine with the
/// built `textkit` plugin, its events written to the event bus's outbox, one bot whose Bot
/// API is TelegramLoad's fake on loopback.
final class WebhookWorld: Sendable {
    let port: Int
    let botID: String
    let secret: String
    let cluster: PrivateCluster
    let pool: DatabasePool
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    private init(port: Int, botID: String, secret: String, cluster: PrivateCluster, pool: DatabasePool,
                 group: ServiceGroup, running: Task<Void, any Error>) {
        self.port = port
        self.botID = botID
        self.secret = secret
        self.cluster = cluster
        self.pool = pool
        self.group = group
        self.running = running
    }

    /// - Parameters:
    ///   - enable: the plugins the tenant enables (the bot's model is its only enabled one).
    ///   - processing: the inbox processor's settings; by default each update is its own chat,
    ///     so per-chat pacing never waits, and the per-bot pace (Telegram's 30 messages a second)
    ///     is lifted: the figures are the host's, not Telegram's limits.
    static func start(plugins: URL, botAPIPort: Int, enable: [String] = ["textkit"],
                      processing: InboxProcessor.Configuration = lifted, logger: Logger) async throws -> WebhookWorld {
        // As `market serve` does first thing.
        AllocatorArenas.limit(environment: ProcessInfo.processInfo.environment)
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("market-bench-telegram-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cluster = PrivateCluster(stateDirectory: folder)
        _ = try await cluster.start()
        // The pool `market serve` makes: its default size.
        let pool = DatabasePool(connectionString: cluster.connectionString, logger: logger)
        pool.start()
        try await Migrator().apply(using: pool, logger: logger)
        let tenants = TenantStore(pool: pool, masterKey: .generate(), manifests: PluginFolders(stateDirectory: nil, developmentFolders: [plugins]),
                                  logger: logger)
        _ = try await tenants.createTenant("bench", by: .system)
        for plugin in enable { _ = try await tenants.enable(plugin, tenant: "bench", by: .system) }

        let box = tenants.box
        let bots = TelegramBots(pool: pool, box: box, logger: logger)
        let (bot, _) = try await bots.connect(tenant: "bench", token: try BotToken("123456:AABenchTokenForLoopbackOnly_0123456789"),
                                              username: "bench_bot", mode: .webhook, apiBase: "http://127.0.0.1:\(botAPIPort)")
        guard let credentials = try await bots.credentials(bot.id) else { throw CocoaError(.fileReadUnknown) }

        let runtime = PluginRuntime(services: HostServices(logger: logger, keyValue: PostgresKeyValueStore(pool: pool)))
        let host = PluginHost(runtime: runtime, folders: PluginFolders(stateDirectory: nil, developmentFolders: [plugins]), tenants: tenants, logger: logger)
        let engine = ConversationEngine(host: host, tenants: tenants, conversations: ConversationStore(pool: pool, logger: logger),
                                        experiments: ExperimentStore(pool: pool, logger: logger),
                                        events: EventBus(pool: pool, logger: logger), closesInstances: true, logger: logger)
        let telegram = TelegramRuntime(pool: pool, connectionString: cluster.connectionString, box: box,
                                       handler: EngineTelegramHandler(engine: engine, logger: logger), processing: processing, logger: logger)
        var dependencies = ServerDependencies(pool: pool, readiness: DatabaseReadiness(pool: pool, migrator: try Migrator()),
                                              catalog: PluginCatalog(host: nil), metrics: PrometheusCollectorRegistry(), tenants: tenants,
                                              events: EventBus(pool: pool, logger: logger))
        dependencies.telegram = telegram.webhook
        let server = MarketServer(configuration: ServerConfiguration(host: "127.0.0.1", port: 0), dependencies: dependencies, logger: logger)
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: server.makeService { announce.yield($0) }), .init(service: telegram)], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CocoaError(.fileReadUnknown) }
        return WebhookWorld(port: port, botID: bot.id, secret: credentials.secretToken, cluster: cluster, pool: pool,
                            group: group, running: running)
    }

    /// Pacing lifted: no per-bot or per-chat wait and no "typing…" within a run.
    static var lifted: InboxProcessor.Configuration {
        var processing = InboxProcessor.Configuration(typingInterval: .seconds(30), perChatInterval: .zero)
        processing.perBotInterval = .zero
        processing.perBotPerSecond = 1_000_000
        return processing
    }

    /// Stops the server and the processor, then the cluster, and removes its folder.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try? await running.value
        await pool.shutdown()
        _ = try await cluster.stop()
        try? FileManager.default.removeItem(at: cluster.folder.deletingLastPathComponent())
    }
}

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
import StoreTestSupport
import Synchronization
import TelegramChannel

/// A `MarketServer` listening on an ephemeral loopback port for the length of a test, run in a
/// `ServiceGroup` as `market serve` runs it, and shut down gracefully afterwards.
struct RunningServer: Sendable {
    let port: Int
    let server: MarketServer
    let metrics: PrometheusCollectorRegistry
    /// The tenant store behind the API, on the same database.
    let tenants: TenantStore

    /// Starts a server on `connectionString`'s database with `catalog`, runs `body`, stops it.
    /// `manifests` back the tenant routes (the plugins built from source by default); `logger`
    /// receives the server's log (none by default).
    static func with<Value: Sendable>(database connectionString: String, catalog: PluginCatalog = PluginCatalog(host: nil),
                                      migrator: Migrator? = nil, manifests: (any ManifestSource)? = nil,
                                      masterKey: MasterKey = .generate(), logger: Logger = quietLogger,
                                      configuration: ServerConfiguration = ServerConfiguration(host: "127.0.0.1", port: 0),
                                      _ body: @Sendable (RunningServer) async throws -> Value) async throws -> Value {
        let pool = DatabasePool(connectionString: connectionString, configuration: .init(size: 2, acquireTimeout: .seconds(5)), logger: logger)
        pool.start()
        let registry = PrometheusCollectorRegistry()
        let tenants = TenantStore(pool: pool, masterKey: masterKey,
                                  manifests: manifests ?? PluginFolders(stateDirectory: nil, developmentFolders: [Repository.builtPlugins]),
                                  logger: logger)
        var dependencies = ServerDependencies(pool: pool, readiness: DatabaseReadiness(pool: pool, migrator: try migrator ?? Migrator()),
                                              catalog: catalog, metrics: registry, tenants: tenants,
                                              events: EventBus(pool: pool, logger: logger))
        // The bot's routes on the same database: the engine with the built plugins, the webhook inbox.
        let host = PluginHost(runtime: PluginRuntime(services: HostServices(logger: logger)),
                              folders: PluginFolders(stateDirectory: nil, developmentFolders: [Repository.builtPlugins]), tenants: tenants, logger: logger)
        let engine = ConversationEngine(host: host, tenants: tenants,
                                        conversations: ConversationStore(pool: pool, logger: logger),
                                        experiments: ExperimentStore(pool: pool, logger: logger),
                                        events: DiscardedEvents(), closesInstances: true, logger: logger)
        dependencies.chat = ChatServices(engine: engine, conversations: ConversationStore(pool: pool, logger: logger),
                                         experiments: ExperimentStore(pool: pool, logger: logger))
        dependencies.hooks = InboundHooks(host: host, tenants: tenants)
        dependencies.telegram = WebhookHandler(bots: TelegramBots(pool: pool, box: tenants.box, logger: logger), inbox: TelegramInbox(pool: pool), logger: logger)
        let server = MarketServer(configuration: configuration, dependencies: dependencies, logger: logger)
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: server.makeService { port in announce.yield(port) })], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            await group.triggerGracefulShutdown()
            try await running.value
            throw HTTPTestFailure("the server stopped before it listened")
        }
        let outcome: Result<Value, any Error>
        do {
            outcome = .success(try await body(RunningServer(port: port, server: server, metrics: registry, tenants: tenants)))
        } catch {
            outcome = .failure(error)
        }
        await group.triggerGracefulShutdown()
        try await running.value
        await engine.shutdown()
        await pool.shutdown()
        return try outcome.get()
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> HTTPReply {
        try await LoopbackHTTP.get(path, port: port, headers: headers)
    }

    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: String? = nil) async throws -> HTTPReply {
        try await LoopbackHTTP.request(method, path, port: port, headers: headers, body: body)
    }
}

/// The catalog of the plugins built from source, loaded for real with dlopen.
enum BuiltCatalog {
    static let runtime = PluginRuntime(services: HostServices(logger: quietLogger))

    static func load() async throws -> PluginCatalog {
        load(PluginFolders(stateDirectory: nil, developmentFolders: [Repository.builtPlugins]))
    }

    /// The catalogue of what `folders` resolves, through a plugin owner of its own.
    static func load(_ folders: PluginFolders) -> PluginCatalog {
        PluginCatalog(host: PluginHost(runtime: runtime, folders: folders, logger: quietLogger))
    }
}

/// Events of the engine behind `RunningServer`, which no test reads.
struct DiscardedEvents: EventPublisher {
    func publish(_ event: EventEnvelope) throws {}
}

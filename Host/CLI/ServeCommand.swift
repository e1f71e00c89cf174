import ArgumentParser
import Foundation
import Logging
import MarketCore
import MarketRegistry
import MarketServer
import MarketStore
import PluginHosting
import PluginRuntime
import Prometheus
import ServiceLifecycle
import TelegramChannel
import UnixSignals

/// `market serve`: the HTTP server, with its database and plugins.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP server (the tenant API, health, readiness, metrics, the plugin catalog) and deliver events to plugins.",
        discussion: """
            Uses the database DATABASE_URL names, or else the private cluster under the state directory, \
            which it starts if needed (and then stops on exit). Applies pending migrations, loads the installed \
            plugins (<state-dir>/plugins/<id>/current) and those in --plugins, makes the admin token if the \
            database has none (printing it once, on standard error), delivers the event bus's deliveries to the \
            tenants' plugins, converges the installed plugins on the desired state in the database (see \
            `market install --database`; --node-id names this server there), and serves until SIGTERM or SIGINT, \
            then finishes the requests and the deliveries in \
            flight and exits 0. Secrets are sealed under MARKET_MASTER_KEY or \
            <state-dir>/master.key. The bot runs beside the API: the chat API, the Telegram webhook \
            (POST /telegram/<bot id>), the inbox processor and a long poller for each bot in polling mode. \
            The bot's events are folded into the analytics rollups (`market analytics`) every second.
            Example: market serve --port 8080 --plugins .build/market-plugins
            """
    )

    @Option(help: "The address to listen on (0.0.0.0 for every interface).")
    var host: String = "127.0.0.1"

    @Option(help: "The TCP port; 0 lets the system choose (the 'listening' log line says which).")
    var port: Int = 8080

    @OptionGroup(title: "HTTP connections")
    var connections: ConnectionOptions

    @OptionGroup var state: StateOptions

    @OptionGroup(title: "Plugins' outbound HTTP")
    var network: AllowNetworkOptions

    @Option(help: "A folder of plugin folders to load as well, for development; they replace installed plugins with the same id.")
    var plugins: String?

    @Option(help: "Seconds a claimed event delivery stays this server's; after a crash, another server retries it once this passes.")
    var deliveryLease: Int = 120

    @Option(help: "Seconds a plugin has to handle one event before the delivery is retried.")
    var deliveryTimeout: Int = 30

    @OptionGroup(title: "Delivery targets (webhook endpoints)")
    var targetDelivery: TargetDeliveryOptions

    @Option(help: "How long a Telegram update's claim lasts, in seconds: after a crash, the updates in flight are taken again once it lapses.")
    var telegramLease: Int = 120

    @OptionGroup(title: "Telegram pacing")
    var pacing: TelegramPacingOptions

    @Option(help: "The id this server reports its plugins' state under (default: the one kept in <state-dir>/node-id, made on first start).")
    var nodeID: String?

    func validate() throws {
        guard (1...3600).contains(telegramLease) else { throw ValidationError("--telegram-lease must be 1 to 3600 seconds") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard !host.isEmpty else { throw ValidationError("--host must name an address, e.g. 127.0.0.1") }
        guard deliveryTimeout >= 1, deliveryLease > deliveryTimeout else {
            throw ValidationError("--delivery-lease (\(deliveryLease)) must be longer than --delivery-timeout (\(deliveryTimeout)), which must be at least 1")
        }
        if let plugins {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: plugins, isDirectory: &isFolder), isFolder.boolValue else {
                throw ValidationError("--plugins \(plugins) is not a folder; give a folder of plugin folders, e.g. .build/market-plugins")
            }
        }
    }

    var stateDirectory: URL { state.stateDirectory }

    func run() async throws {
        let logger = Logger(label: "market.serve")
        // From here, an exit() that serve does not make is a plugin's: logged, and not status 0.
        ForeignExitGuard.arm(logger: logger)
        defer { ForeignExitGuard.disarm() }
        try await reportingErrors {
            // Said first, so an operator sees which folder serve uses (the one `market install` fills).
            logger.info("state directory", metadata: ["folder": .string(stateDirectory.path)])
            let location = DatabaseLocation.resolve(stateDirectory: stateDirectory)
            var startedCluster: PrivateCluster?
            if case .privateCluster(let cluster) = location, try await cluster.start() {
                logger.info("started the private PostgreSQL cluster", metadata: ["folder": .string(cluster.folder.path)])
                startedCluster = cluster
            }
            let pool = DatabasePool(connectionString: location.connectionString, logger: logger)
            // Plugins' market.events/1 publishes go to the durable bus.
            let bus = EventBus(pool: pool, logger: Logger(label: "market.events"))
            // Its store needs the master key, read (or made) only once the schema is known to be current.
            let connectionTokens = ConnectionsAfterSetup()
            let runtime = PluginRuntime(services: HostServices(logger: Logger(label: "market.plugin"), keyValue: PostgresKeyValueStore(pool: pool),
                                                               events: bus, http: HTTPLimits(allowedRanges: try network.ranges()),
                                                               documents: PostgresDocumentStore(pool: pool), connections: connectionTokens))
            // Also bounds what follows the services: stopping the cluster.
            let deadline = ShutdownDeadline(limit: .seconds(deliveryTimeout), logger: logger)
            let outcome: Result<Void, any Error>
            do {
                try await serve(pool: pool, connectionString: location.connectionString, bus: bus, runtime: runtime,
                                connectionTokens: connectionTokens, deadline: deadline, logger: logger)
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            // The one part stopped by hand: the private cluster is a separate process, started
            // before the pool and the setup that precedes the group, and stopped only once the
            // pool has drained (by the group, or by a setup that failed before it ran).
            if let startedCluster {
                try await startedCluster.stop()
                logger.info("stopped the private PostgreSQL cluster", metadata: ["folder": .string(startedCluster.folder.path)])
            }
            deadline.disarm()
            try outcome.get()
        }
    }

    /// Runs every long-lived part in one `ServiceGroup` until SIGTERM or SIGINT, which stops
    /// them last to first, each finishing its work in flight.
    private func serve(pool: DatabasePool, connectionString: String, bus: EventBus, runtime: PluginRuntime, connectionTokens: ConnectionsAfterSetup,
                       deadline: ShutdownDeadline, logger: Logger) async throws {
        // Started ahead of its service: the setup (migrations, the plugin catalog, the admin token)
        // needs it before the group runs.
        pool.start()
        let services: [(name: String, service: any Service)]
        do {
            services = try await prepare(pool: pool, connectionString: connectionString, bus: bus, runtime: runtime,
                                         connectionTokens: connectionTokens, logger: logger)
        } catch {
            // The group never ran: what the setup started stops here.
            await runtime.shutdown()
            await pool.shutdown()
            throw error
        }
        // Started in this order and shut down in reverse: the deadline starts, HTTP stops taking
        // requests and finishes those in flight, the Telegram channel finishes the replies in hand,
        // deliveries in flight finish, the plugin reconciler stops (an install in flight is
        // abandoned whole, as the installer's transaction leaves nothing half-done), the plugin
        // instances close, the analytics roller stops (what it left pending is folded by the next
        // roll or report), the connection refresher stops (a refresh in flight commits or rolls
        // back whole), and the pool drains last.
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: (services.map { deadline.services.track($0.name, $0.service) } + [deadline as any Service]).map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.info("stopped serving")
    }

    /// Migrates, loads the plugins and builds the long-lived parts, in the order the group starts them.
    private func prepare(pool: DatabasePool, connectionString: String, bus: EventBus, runtime: PluginRuntime,
                         connectionTokens: ConnectionsAfterSetup, logger: Logger) async throws -> [(name: String, service: any Service)] {
        let migrator = try Migrator()
        let applied = try await migrator.apply(using: pool, logger: logger)
        logger.info("schema current", metadata: ["applied": .array(applied.map { .stringConvertible($0) })])
        let folders = PluginFolders(stateDirectory: stateDirectory,
                                    developmentFolders: plugins.map { [URL(fileURLWithPath: $0, isDirectory: true)] } ?? [])
        // After the schema check: a database from a newer market leaves no key file behind.
        let tenants = TenantStore(pool: pool, masterKey: try MasterKey.load(stateDirectory: stateDirectory, logger: logger),
                                  manifests: folders, logger: logger)
        // Token endpoints of OAuth2 connections may be where plugins' requests may be (--allow-network).
        let connectionStore = ConnectionStore(tenants: tenants, allowedRanges: try network.ranges(), logger: Logger(label: "market.connections"))
        connectionTokens.attach(connectionStore)
        // Only the start that makes the admin token prints it; the log gets its id alone.
        if let admin = try await tenants.ensureAdminToken() { AdminTokenNotice.print(admin) }
        // The process's one owner of plugins and their instances: the catalogue's, the delivery
        // workers' targets and the conversation engine's.
        let instances = PluginHost(runtime: runtime, folders: folders, tenants: tenants,
                                   deliveryTimeout: .seconds(deliveryTimeout), logger: logger)
        let catalog = PluginCatalog(host: instances)
        await catalog.loadAll(logger: logger)
        var dependencies = ServerDependencies(
            pool: pool, readiness: DatabaseReadiness(pool: pool, migrator: migrator), catalog: catalog,
            metrics: ServeBackends.metrics ?? PrometheusCollectorRegistry(), tenants: tenants,
            events: bus)
        // The bot: the engine, and the Telegram channel behind POST /telegram/{bot}.
        // A stop gives the Telegram replies in hand a third of its time; the rest waits in the inbox.
        var processing = InboxProcessor.Configuration(lease: .seconds(telegramLease))
        pacing.apply(to: &processing)
        processing.drainTimeout = min(processing.drainTimeout, .seconds(deliveryTimeout) / 3)
        let bot = try ServeBot(pool: pool, connectionString: connectionString, tenants: tenants,
                               host: instances, events: bus, processing: processing, logger: logger)
        // The registries this server's state folder configures: the admin API resolves versions
        // from them, the reconciler fetches what the desired state records from them.
        let registries = RegistryAccess(stateDirectory: stateDirectory)
        dependencies.registries = registries
        dependencies.telegram = bot.telegram.webhook
        dependencies.chat = bot.chat
        dependencies.webhooks = WebhookEndpoints(host: instances, targets: EventTargets(pool: pool, box: tenants.box, logger: logger))
        dependencies.eventTypes = EventTypeCatalog(host: instances)
        dependencies.hooks = InboundHooks(host: instances, tenants: tenants)
        dependencies.connections = connectionStore
        dependencies.connectionChecks = ConnectionChecks(host: instances, tenants: tenants)
        let server = MarketServer(configuration: connections.configuration(host: host, port: port), dependencies: dependencies, logger: logger)
        let deliveries = DeliveryService(worker: DeliveryWorker(
            pool: pool, connectionString: connectionString, targets: instances,
            configuration: .init(lease: .seconds(deliveryLease), targets: try targetDelivery.policy()), logger: Logger(label: "market.deliveries")))
        // Converges the installed plugins on the desired state in the database, woken by NOTIFY.
        let reconciler = PluginReconciler(
            nodeID: try NodeIdentity.resolve(stateDirectory: stateDirectory, override: nodeID), desired: DesiredPlugins(pool: pool),
            connectionString: connectionString, installer: Installer(folder: stateDirectory, probe: InstallProbe.run),
            clients: registries.clients, host: instances, logger: Logger(label: "market.reconciler"))
        // Folds the bot's queued events into the analytics rollups each second; stopped just before the pool.
        let analytics = AnalyticsRoller(store: AnalyticsStore(pool: pool), logger: Logger(label: "market.analytics"))
        // Refreshes OAuth2 connections ahead of expiry; replicas share the work through row locks.
        let refresher = ConnectionRefresher(store: connectionStore, logger: Logger(label: "market.connections"))
        // Deletes plugins' expired key-value markers every five minutes.
        let sweeper = KeyValueSweeper(store: PostgresKeyValueStore(pool: pool), logger: Logger(label: "market.kv"))
        return [("database pool", pool), ("connection refresher", refresher), ("key-value sweeper", sweeper), ("analytics roller", analytics),
                ("plugin instances", ServePluginHosting(host: instances, runtime: runtime)), ("plugin reconciler", reconciler),
                ("event deliveries", deliveries), ("bot", bot), ("http server", server.makeService())]
    }
}

/// Backends the executable sets up for `market serve`: only the executable chooses them.
public enum ServeBackends {
    /// The registry behind the process's metrics factory, exposed at `/metrics`. Without one,
    /// `/metrics` shows only the server's own metrics.
    @TaskLocal public static var metrics: PrometheusCollectorRegistry?
}

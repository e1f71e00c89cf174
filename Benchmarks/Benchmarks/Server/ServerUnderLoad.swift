import Foundation
import Logging
import MarketServer
import MarketStore
import PluginHosting
import PluginRuntime
import Prometheus
import ServiceLifecycle

/// The server, in this process, as `market serve` runs it.
final class ServerUnderLoad: Sendable {
    let port: Int
    let tenants: TenantStore
    private let group: ServiceGroup
    private let running: Task<Void, any Error>
    private let pool: DatabasePool

    private init(port: Int, tenants: TenantStore, group: ServiceGroup, running: Task<Void, any Error>, pool: DatabasePool) {
        self.port = port
        self.tenants = tenants
        self.group = group
        self.running = running
        self.pool = pool
    }

    /// Serves `plugins` on `database` (a connection string), or with no database at all (the
    /// catalog needs none).
    static func start(plugins: URL, database: String?, logger: Logger) async throws -> ServerUnderLoad {
        let runtime = PluginRuntime(services: HostServices(logger: logger))
        let folders = PluginFolders(stateDirectory: nil, developmentFolders: [plugins])
        let catalog = PluginCatalog(host: PluginHost(runtime: runtime, folders: folders, logger: logger))
        await catalog.loadAll(logger: logger)
        let pool = DatabasePool(connectionString: database ?? "host=/nonexistent port=1 user=market dbname=market", logger: logger)
        pool.start()
        if database != nil { try await Migrator().apply(using: pool, logger: logger) }
        let tenants = TenantStore(pool: pool, masterKey: .generate(),
                                  manifests: folders, logger: logger)
        let dependencies = ServerDependencies(pool: pool, readiness: DatabaseReadiness(pool: pool, migrator: try Migrator()),
                                              catalog: catalog, metrics: PrometheusCollectorRegistry(), tenants: tenants,
                                              events: EventBus(pool: pool, logger: logger))
        let server = MarketServer(configuration: ServerConfiguration(host: "127.0.0.1", port: 0), dependencies: dependencies, logger: logger)
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: server.makeService { announce.yield($0) })], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CocoaError(.fileReadUnknown) }
        return ServerUnderLoad(port: port, tenants: tenants, group: group, running: running, pool: pool)
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
        await pool.shutdown()
    }
}

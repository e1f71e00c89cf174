import Foundation
import Logging
import MarketCore
import MarketStore
import PluginHosting
import PluginRuntime

/// The plugin owner as `market serve` holds it, in this process: a private PostgreSQL cluster,
/// a tenant with the built `textkit` enabled, and the `PluginHost` the engine and the delivery
/// workers ask, with the tenant's instance made through it.
final class OwnerWorld: Sendable {
    let cluster: PrivateCluster
    let pool: DatabasePool
    let host: PluginHost
    let installation: Installation
    /// The tenant's textkit instance as the owner made it: what a direct call uses.
    let instance: PluginInstance
    /// The same instance as the engine holds it for a reply's tool calls.
    let serving: ServingInstance

    private init(cluster: PrivateCluster, pool: DatabasePool, host: PluginHost, installation: Installation, serving: ServingInstance) {
        self.cluster = cluster
        self.pool = pool
        self.host = host
        self.installation = installation
        self.serving = serving
        instance = serving.owned.instance
    }

    static func start(plugins: URL, logger: Logger) async throws -> OwnerWorld {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("market-bench-owner-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cluster = PrivateCluster(stateDirectory: folder)
        _ = try await cluster.start()
        let pool = DatabasePool(connectionString: cluster.connectionString, logger: logger)
        pool.start()
        try await Migrator().apply(using: pool, logger: logger)
        let folders = PluginFolders(stateDirectory: nil, developmentFolders: [plugins])
        let tenants = TenantStore(pool: pool, masterKey: .generate(), manifests: folders, logger: logger)
        _ = try await tenants.createTenant("bench", by: .system)
        let installation = try await tenants.enable("textkit", tenant: "bench", by: .system)
        let runtime = PluginRuntime(services: HostServices(logger: logger, keyValue: PostgresKeyValueStore(pool: pool)))
        let host = PluginHost(runtime: runtime, folders: folders, tenants: tenants, logger: logger)
        let serving = try await host.serving(installation)
        return OwnerWorld(cluster: cluster, pool: pool, host: host, installation: installation, serving: serving)
    }

    /// Closes the instances, stops the cluster and removes its folder.
    func stop() async throws {
        await host.closeAll()
        await pool.shutdown()
        _ = try await cluster.stop()
        try? FileManager.default.removeItem(at: cluster.folder.deletingLastPathComponent())
    }
}

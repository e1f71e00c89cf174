import Foundation
import Logging
import MarketCore
import MarketStore
import PluginRuntime

/// The built crm plugin in this process as `market serve` runs it: a private PostgreSQL cluster
/// behind `market.documents/1`, one tenant's instance, and `leads` leads spread over the
/// default pipeline's stages.
final class CRMWorld: Sendable {
    let cluster: PrivateCluster
    let pool: DatabasePool
    let runtime: PluginRuntime
    let instance: PluginInstance

    private init(cluster: PrivateCluster, pool: DatabasePool, runtime: PluginRuntime, instance: PluginInstance) {
        self.cluster = cluster
        self.pool = pool
        self.runtime = runtime
        self.instance = instance
    }

    static func start(plugins: URL, leads: Int, logger: Logger) async throws -> CRMWorld {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("market-bench-crm-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cluster = PrivateCluster(stateDirectory: folder)
        _ = try await cluster.start()
        let pool = DatabasePool(connectionString: cluster.connectionString, logger: logger)
        pool.start()
        try await Migrator().apply(using: pool, logger: logger)
        let runtime = PluginRuntime(services: HostServices(logger: logger, keyValue: PostgresKeyValueStore(pool: pool),
                                                           documents: PostgresDocumentStore(pool: pool)))
        let instance = try await runtime.instantiate(try runtime.load(plugins.appendingPathComponent("crm")), tenantID: "bench")
        let stages = ["new", "qualified", "won", "lost"]
        for number in 0..<leads {
            let lead = try JSONValue(parsing: try await instance.callTool("create_lead", arguments: #"{"title":"Lead \#(number)","price":\#(number)}"#))
            guard case .string(let id)? = lead["lead"]?["id"] else { throw MarketError(.invalidResult, "create_lead returned no id") }
            let stage = stages[number % stages.count]
            if stage != "new" { _ = try await instance.callTool("move_lead", arguments: #"{"lead_id":"\#(id)","stage":"\#(stage)"}"#) }
        }
        return CRMWorld(cluster: cluster, pool: pool, runtime: runtime, instance: instance)
    }

    func stop() async throws {
        await instance.close()
        await runtime.shutdown()
        await pool.shutdown()
        _ = try await cluster.stop()
        try? FileManager.default.removeItem(at: cluster.folder.deletingLastPathComponent())
    }
}

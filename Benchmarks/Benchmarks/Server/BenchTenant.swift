import Foundation
import Logging
import MarketStore
import Synchronization

/// A tenant with the notes plugin configured, on a private PostgreSQL cluster started for the
/// benchmark under a temporary folder, and a tenant token to read it with.
struct BenchTenant: Sendable {
    static let id = "bench"
    let server: ServerUnderLoad
    let token: String

    /// What `stop` shuts down; the benchmark's teardown receives nothing from its setup.
    private static let running = Mutex<(ServerUnderLoad, PrivateCluster, URL)?>(nil)

    static func start(plugins: URL, logger: Logger) async throws -> BenchTenant {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("market-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cluster = PrivateCluster(stateDirectory: folder)
        _ = try await cluster.start()
        let server = try await ServerUnderLoad.start(plugins: plugins, database: cluster.connectionString, logger: logger)
        running.withLock { $0 = (server, cluster, folder) }
        let admin = Principal.admin(actor: "bench")
        try await server.tenants.createTenant(id, by: admin)
        try await server.tenants.configure("notes", tenant: id, with: .object(["max_notes": .number(50)]), by: admin)
        try await server.tenants.enable("notes", tenant: id, by: admin)
        let token = try await server.tenants.createToken(tenant: id, label: "bench", by: admin).token
        return BenchTenant(server: server, token: token)
    }

    static func stop() async throws {
        guard let (server, cluster, folder) = running.withLock({ value in defer { value = nil }; return value }) else { return }
        try await server.stop()
        _ = try await cluster.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}

import Foundation
import MarketStore
import StoreTestSupport
import Testing

extension ServerTests {
    /// `GET /v1/admin/plugins`: the desired plugin state with each server's report, for admins only.
    @Suite struct AdminPlugins {
        @Test func listsTheDesiredStateWithEveryNodesReportForAdminsOnly() async throws {
            let database = try await freshDatabase(migrated: true)
            try await RunningServer.with(database: database) { server in
                let admin = try #require(try await server.tenants.ensureAdminToken()).token
                _ = try await server.tenants.createTenant("acme", by: .system)
                let tenantToken = try await server.tenants.createToken(tenant: "acme", by: .system).token
                let pool = DatabasePool(connectionString: database, configuration: .init(size: 1), logger: quietLogger)
                pool.start()
                let store = DesiredPlugins(pool: pool)
                let hash = String(repeating: "c", count: 64)
                let first = DesiredPlugin.Target(version: "1.0.0", range: "^1.0", registry: "main", artifacts: ["linux-x86_64": hash], permissions: hash)
                var next = first
                next.version = "1.0.1"
                try await store.change("textkit", to: first, previous: nil, expecting: 0, action: "plugin.install", by: .admin(actor: "cli:ops"))
                try await store.change("textkit", to: next, previous: first, expecting: 1, action: "plugin.update", by: .admin(actor: "cli:ops"))
                for (node, running, error) in [("web-1", "1.0.1", nil), ("web-2", "1.0.0", "FETCH_FAILED: cannot reach the registry")] {
                    try await store.heartbeat(node: node, hostName: "h")
                    try await store.report(NodeState(nodeID: node, pluginID: "textkit", generation: 2, wantedVersion: "1.0.1", runningVersion: running,
                                                     lastError: error, attempts: error == nil ? 0 : 3))
                }

                let reply = try await server.get("/v1/admin/plugins", headers: ["Authorization": "Bearer \(admin)"])
                #expect(reply.status == 200, "\(reply.text)")
                let plugins = try #require(try reply.json()["plugins"] as? [[String: Any]])
                let textkit = try #require(plugins.first)
                #expect(plugins.count == 1 && textkit["id"] as? String == "textkit" && textkit["version"] as? String == "1.0.1")
                #expect(textkit["previous"] as? String == "1.0.0" && textkit["generation"] as? Int == 2 && textkit["changed_by"] as? String == "cli:ops")
                #expect(textkit["artifacts"] as? [String: String] == ["linux-x86_64": hash])
                let nodes = try #require(textkit["nodes"] as? [[String: Any]])
                #expect(nodes.map { $0["node"] as? String } == ["web-1", "web-2"])
                #expect(nodes.map { $0["converged"] as? Bool } == [true, false])
                #expect(nodes[1]["running"] as? String == "1.0.0" && nodes[1]["error"] as? String == "FETCH_FAILED: cannot reach the registry")
                #expect(nodes[1]["attempts"] as? Int == 3)

                let refused = try await server.get("/v1/admin/plugins", headers: ["Authorization": "Bearer \(tenantToken)"])
                #expect(refused.status == 403, "a tenant's token: \(refused.text)")
                #expect(try await server.get("/v1/admin/plugins").status == 401)
                await pool.shutdown()
            }
        }
    }
}

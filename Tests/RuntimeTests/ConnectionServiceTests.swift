import Foundation
import Logging
import MarketCore
import MarketStore
import MarketTestSupport
import PluginRuntime
import StoreTestSupport
import Testing

/// `market.connections/1` (ABI 1.4) seen from a plugin: Tests/Fixtures/tokenprobe, built from
/// source and loaded with dlopen, asks for its tenant's access token on PostgreSQL.
@Suite(.sharedCluster("connection-service-tests")) struct ConnectionServiceTests {
    struct World {
        let pool: DatabasePool
        let connections: ConnectionStore
        let runtime: PluginRuntime
        let library: PluginLibrary
        let admin = Principal.admin(actor: "cli:test")

        static func start(offered: Bool = true) async throws -> World {
            let pool = DatabasePool(connectionString: try await freshDatabase(migrated: true), configuration: .init(size: 3), logger: quietLogger)
            pool.start()
            let plugin = try await FixturePlugin.build("tokenprobe", into: try temporaryDirectory("tokenprobe"))
            let tenants = TenantStore(pool: pool, masterKey: .generate(), manifests: ManifestList([try PluginManifest.load(from: plugin)]), logger: quietLogger)
            for tenant in ["acme", "globex"] { try await tenants.createTenant(tenant, by: .system) }
            let connections = ConnectionStore(tenants: tenants, logger: quietLogger)
            let runtime = PluginRuntime(services: HostServices(logger: quietLogger, connections: offered ? connections : nil))
            return World(pool: pool, connections: connections, runtime: runtime, library: try runtime.load(plugin))
        }

        func authorization(_ instance: PluginInstance) async throws -> JSONValue {
            try JSONValue(parsing: try await instance.callTool("authorization", arguments: "{}", context: "{}"))
        }

        func close(_ instances: PluginInstance...) async {
            for instance in instances { await instance.close() }
            await runtime.shutdown()
            await pool.shutdown()
        }
    }

    @Test func aPluginGetsItsOwnTenantsAccessTokenAndNeverAnothers() async throws {
        let world = try await World.start()
        let (acme, globex) = (try await world.runtime.instantiate(world.library, tenantID: "acme", config: "{}"),
                              try await world.runtime.instantiate(world.library, tenantID: "globex", config: "{}"))
        try await world.connections.setCredential("acme-key", kind: .apiKey, plugin: "tokenprobe", tenant: "acme", by: world.admin)
        try await world.connections.storeAuthorization(OAuthTokens(accessToken: "globex-access", refreshToken: "globex-refresh", expiresAt: nil),
                                                       plugin: "tokenprobe", tenant: "globex", by: world.admin)
        #expect(try await world.authorization(acme) == .object(["authorization": .string("Bearer acme-key")]))
        #expect(try await world.authorization(globex) == .object(["authorization": .string("Bearer globex-access")]), "the access token, not the refresh token")
        // A new token is seen by the next call: plugins ask each time rather than keep one.
        try await world.connections.setCredential("acme-key-2", kind: .token, plugin: "tokenprobe", tenant: "acme", by: world.admin)
        #expect(try await world.authorization(acme) == .object(["authorization": .string("Bearer acme-key-2")]))
        await world.close(acme, globex)
    }

    @Test func aMissingOrRefusedConnectionGivesItsStatusAndAMessageNamingTheFix() async throws {
        let world = try await World.start()
        let acme = try await world.runtime.instantiate(world.library, tenantID: "acme", config: "{}")
        await expectRefusal("NOT_FOUND", containing: "market connections set tokenprobe --tenant acme") { try await world.authorization(acme) }

        try await world.connections.storeAuthorization(OAuthTokens(accessToken: "a1", refreshToken: "r1", expiresAt: Date().addingTimeInterval(-5)),
                                                       plugin: "tokenprobe", tenant: "acme", by: world.admin)
        await expectRefusal("UNAVAILABLE", containing: "has expired; set a new one with `market connections set tokenprobe --tenant acme`") { try await world.authorization(acme) }

        try await world.connections.markNeedsReconnect(plugin: "tokenprobe", tenant: "acme", error: "invalid_grant: revoked", version: nil)
        await expectRefusal("UNAUTHENTICATED", containing: "set new credentials with `market connections set tokenprobe --tenant acme`") {
            try await world.authorization(acme)
        }
        await expectRefusal("UNAUTHENTICATED", containing: "invalid_grant: revoked") { try await world.authorization(acme) }
        await world.close(acme)
    }

    @Test func aHostWithoutConnectionsOffersNoTable() async throws {
        let world = try await World.start(offered: false)
        let acme = try await world.runtime.instantiate(world.library, tenantID: "acme", config: "{}")
        await expectRefusal("UNSUPPORTED", containing: "no market.connections/1") { try await world.authorization(acme) }
        await world.close(acme)
    }

    /// `market.connection-test/1` (ABI 1.5): the plugin reports each step with the service's own
    /// words — here a loopback authorization server written apart from the host, whose
    /// `/resource` takes only the tokens it issued — and stops at the first that fails.
    @Test func aConnectionTestReportsEachStepInTheServicesWords() async throws {
        let world = try await World.start()
        let service = try await FakeAuthorizationServer.start()
        #expect(world.library.capabilities == ["market.tools/1", "market.connection-test/1"])
        let unconfigured = try await world.runtime.instantiate(world.library, tenantID: "acme", config: "{}")
        let noURL = try await unconfigured.testConnection()
        #expect(!noURL.passed && noURL.steps.map(\.step) == ["config"] && noURL.steps[0].detail == "probe_url is not set")

        let config = JSONValue.object(["probe_url": .string("\(service.root)/resource")]).jsonText
        let acme = try await world.runtime.instantiate(world.library, tenantID: "acme", config: config)
        let notConnected = try await acme.testConnection()
        #expect(notConnected.steps.map(\.ok) == [true, false], "\(notConnected)")
        #expect(notConnected.steps.last?.detail.contains("market connections set tokenprobe --tenant acme") == true)

        // A token the service never issued: the request step fails with its status and words.
        try await world.connections.setCredential("not-issued-canary", kind: .token, plugin: "tokenprobe", tenant: "acme", by: world.admin)
        let refused = try await acme.testConnection()
        #expect(refused.steps.map(\.step) == ["config", "credentials", "request"] && refused.steps.map(\.ok) == [true, true, false], "\(refused)")
        #expect(refused.steps[2].detail.hasPrefix("HTTP 401:") && refused.steps[2].detail.contains("ok"), "\(refused.steps[2])")
        #expect(!"\(refused)".contains("canary"), "no token in the report")
        #expect(refused.json["passed"] == .bool(false))
        await world.close(unconfigured, acme)
    }
}

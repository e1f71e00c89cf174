import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import PluginHosting
import StoreTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A database with tenant `acme` that has enabled `slowsink` (Tests/Fixtures/slowsink, built
/// from source here): a plugin that takes `delayMS` per event and journals each one. Servers
/// are real `market serve` child processes on that database.
struct SlowSinkWorld: Sendable {
    static let tenant = "acme"
    let database: String
    /// A folder of plugin folders holding the built `slowsink`.
    let plugins: URL
    let state: URL
    let journal: URL

    static func with<Value: Sendable>(delayMS: Int, _ body: @Sendable (SlowSinkWorld) async throws -> Value) async throws -> Value {
        let root = try temporaryDirectory("slowsink")
        defer { try? FileManager.default.removeItem(at: root) }
        let plugins = root.appendingPathComponent("plugins")
        try await FixturePlugin.build("slowsink", into: plugins)
        let world = SlowSinkWorld(database: try await freshDatabase(migrated: true), plugins: plugins,
                                  state: root.appendingPathComponent("state"), journal: root.appendingPathComponent("journal.txt"))
        try FileManager.default.createDirectory(at: world.state, withIntermediateDirectories: true)
        try await world.withStores { tenants, _ in
            _ = try await tenants.createTenant(tenant, by: .system)
            _ = try await tenants.configure("slowsink", tenant: tenant,
                                            with: .object(["delay_ms": .number(Double(delayMS)), "journal": .string(world.journal.path)]), by: .system)
            _ = try await tenants.enable("slowsink", tenant: tenant, by: .system)
        }
        return try await body(world)
    }

    /// The tenant store and bus on the world's database, for `body`.
    func withStores<Value: Sendable>(_ body: (TenantStore, EventBus) async throws -> Value) async throws -> Value {
        let pool = DatabasePool(connectionString: database, configuration: .init(size: 2, acquireTimeout: .seconds(5)), logger: quietLogger)
        pool.start()
        let tenants = TenantStore(pool: pool, masterKey: .generate(), manifests: PluginFolders(stateDirectory: nil, developmentFolders: [plugins]),
                                  logger: quietLogger)
        do {
            let value = try await body(tenants, EventBus(pool: pool, logger: quietLogger))
            await pool.shutdown()
            return value
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    /// Starts `market serve` on the database with a short delivery lease, and waits until it listens.
    /// - Returns: the process and its port.
    func serve(lease: Int = 4, timeout: Int = 3) async throws -> (ServeProcess, Int) {
        let serve = try ServeProcess(["serve", "--port", "0", "--state-dir", state.path, "--plugins", plugins.path,
                                      "--delivery-lease", "\(lease)", "--delivery-timeout", "\(timeout)"],
                                     removing: ["MARKET_LOG_LEVEL"], environment: ["DATABASE_URL": database])
        let listening = try await serve.line(within: 60) { $0.contains("\"message\":\"listening\"") }
        let record = try #require(try JSONSerialization.jsonObject(with: Data(listening.utf8)) as? [String: Any])
        return (serve, try #require((record["port"] as? String).flatMap(Int.init)))
    }

    /// Publishes `count` events of the tenant (outside any conversation) and returns their ids.
    func publish(_ count: Int) async throws -> [String] {
        let events = (0..<count).map { EventEnvelope(type: "lead.created", tenantID: Self.tenant, data: #"{"n":\#($0)}"#) }
        let written = try await withStores { _, bus in try await bus.publish(events) }
        #expect(written.events == count && written.deliveries == count, "every event gets one delivery for slowsink")
        return events.map(\.id)
    }

    /// The journal's lines, as (what, event id): `start` when the plugin got an event, `done` when it finished with it.
    var journalLines: [(what: String, id: String)] {
        let text = (try? String(contentsOf: journal, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
    }

    func ids(_ what: String) -> [String] { journalLines.filter { $0.what == what }.map(\.id) }

    /// The tenant's delivery rows.
    func deliveries() async throws -> [DeliveryRecord] {
        try await withStores { _, bus in try await bus.deliveries(DeliveryFilter(tenantID: Self.tenant), limit: 1000) }
    }
}

import Foundation
import Logging
import MarketStore
import MarketTestSupport
import PluginHosting
import StoreTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Two `market serve` replicas on one database, each with its own state folder trusting one
/// registry (`main`, built with `market registry build` from textkit compiled from source and
/// served over loopback HTTP), and an admin token and a tenant's token for the admin API.
final class AdminPluginWorld: Sendable {
    static let market = buildProductsDirectory.appendingPathComponent("market").path

    let folder: URL
    let database: String
    let servers: [ServeProcess]
    let ports: [Int]
    let pool: DatabasePool
    let store: DesiredPlugins
    let admin: String
    let tenantToken: String
    let registryPort: Int
    private let registry: Mutex<LoopbackServerProcess?>

    private init(folder: URL, database: String, servers: [ServeProcess], ports: [Int], pool: DatabasePool, admin: String, tenantToken: String,
                 registry: LoopbackServerProcess) {
        self.folder = folder
        self.database = database
        self.servers = servers
        self.ports = ports
        self.pool = pool
        store = DesiredPlugins(pool: pool)
        self.admin = admin
        self.tenantToken = tenantToken
        registryPort = registry.port
        self.registry = Mutex(registry)
    }

    /// Builds the world with textkit 1.0.0 published, runs `body`, stops both servers (each must exit 0).
    static func with(_ body: (AdminPluginWorld) async throws -> Void) async throws {
        let folder = try temporaryDirectory("admin-plugins")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await run(["keygen", "--out", "keys", "--name", "k"], in: folder)
        try await run(["registry", "init", "site", "--root-key", "keys/k.key"], in: folder)
        try await publish("1.0.0", in: folder)
        // Held by the world alone, so `stopRegistry()` really stops it.
        var registry: LoopbackServerProcess? = try await serve(folder.appendingPathComponent("site"), port: 0)
        let registryPort = try #require(registry?.port)
        for node in ["node-a", "node-b"] {
            try await run(["registry", "add", "main", "http://127.0.0.1:\(registryPort)", "--root", "site/root.json", "--state-dir", node], in: folder)
        }
        let database = try await freshDatabase(migrated: true)
        let pool = DatabasePool(connectionString: database, configuration: .init(size: 2), logger: quietLogger)
        pool.start()
        // The tokens exist before the servers start, so neither makes (and prints) its own.
        let tenants = TenantStore(pool: pool, masterKey: .generate(), manifests: PluginFolders(stateDirectory: nil, developmentFolders: []),
                                  logger: quietLogger)
        let admin = try #require(try await tenants.ensureAdminToken()).token
        _ = try await tenants.createTenant("acme", by: .system)
        let tenantToken = try await tenants.createToken(tenant: "acme", by: .system).token
        let servers = try ["node-a", "node-b"].map { node in
            try ServeProcess(["serve", "--port", "0", "--state-dir", folder.appendingPathComponent(node).path, "--node-id", node],
                             removing: ["MARKET_LOG_LEVEL", "MARKET_HOME", "MARKET_REGISTRY"], environment: ["DATABASE_URL": database])
        }
        var ports: [Int] = []
        for server in servers { ports.append(try await port(of: server)) }
        let world = AdminPluginWorld(folder: folder, database: database, servers: servers, ports: ports, pool: pool, admin: admin,
                                     tenantToken: tenantToken, registry: try #require(registry))
        registry = nil
        let outcome: Result<Void, any Error>
        do {
            outcome = .success(try await body(world))
        } catch {
            outcome = .failure(error)
        }
        await pool.shutdown()
        for server in servers {
            server.signal(SIGTERM)
            let exit = try await server.exitStatus(within: 30)
            #expect(exit.signaled == false && exit.status == 0, "exit \(exit); stderr: \(server.standardError); last log lines:\n\(server.output.suffix(15).joined(separator: "\n"))")
        }
        world.stopRegistry()
        try outcome.get()
    }

    /// `method path` on server `node` (0 or 1) with the admin token unless `token` says otherwise.
    func call(_ method: String, _ path: String, on node: Int = 0, token: String?? = .none, body: String? = nil,
              headers: [String: String] = [:]) async throws -> HTTPReply {
        var headers = headers
        if let token = token ?? admin { headers["Authorization"] = "Bearer \(token)" }
        return try await LoopbackHTTP.request(method, path, port: ports[node], headers: headers, body: body)
    }

    /// Every node reports `version` running (nil: none) and converged, and serves it at GET /v1/plugins.
    func expectBoth(serving version: String?, within seconds: Double = 20) async throws {
        try await eventually(within: seconds, "both servers report \(version ?? "nothing") running") {
            let states = try await store.states(of: "textkit")
            return states.count == 2 && states.allSatisfy { $0.runningVersion == version && $0.lastError == nil }
        }
        for port in ports {
            let reply = try await LoopbackHTTP.get("/v1/plugins", port: port)
            let plugins = try #require(try reply.json()["plugins"] as? [[String: Any]])
            let served = plugins.first { $0["id"] as? String == "textkit" }?["version"] as? String
            #expect(served == version, "GET /v1/plugins on port \(port)")
        }
    }

    /// Publishes textkit `version`; `extraHost` adds a network permission to its manifest.
    func publish(_ version: String, extraHost: String? = nil) async throws {
        try await Self.publish(version, extraHost: extraHost, in: folder)
    }

    func stopRegistry() {
        registry.withLock { $0 = nil }
    }

    /// The audit log's plugin entries: `action version actor`.
    func audit() async throws -> [String] {
        try await pool.query("""
            SELECT action, actor, details->>'to' AS version FROM audit_log WHERE action LIKE 'plugin.%' ORDER BY id
            """).map { "\(try $0.decode("action", as: String.self)) \(try $0.decode("version", as: String?.self) ?? "-") \(try $0.decode("actor", as: String.self))" }
    }

    private static func publish(_ version: String, extraHost: String? = nil, in folder: URL) async throws {
        let plugins = try await FixturePlugin.textkit(version: version, in: folder)
        if let extraHost {
            let manifest = plugins.appendingPathComponent("textkit/plugin.json")
            let text = try String(contentsOf: manifest, encoding: .utf8)
            let widened = text.replacingOccurrences(of: #""network": ["127.0.0.1", "localhost"]"#, with: #""network": ["127.0.0.1", "localhost", "\#(extraHost)"]"#)
            try #require(widened != text, "textkit's manifest no longer lists its network permission as the test expects")
            try widened.write(to: manifest, atomically: true, encoding: .utf8)
        }
        try await run(["registry", "build", "site", "--key", "keys/k.key", "--plugins", plugins.path], in: folder)
    }

    private static func run(_ arguments: [String], in folder: URL) async throws {
        let result = try await runProcess(market, arguments, in: folder)
        try #require(result.status == 0, "market \(arguments.joined(separator: " ")): \(result.stderr)")
    }

    /// Python's http.server on loopback serving `folder`; it prints its port once it listens.
    private static func serve(_ folder: URL, port: Int) async throws -> LoopbackServerProcess {
        try await LoopbackServerProcess.start(["python3", "-u", "-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", folder.path]) { seen in
            let words = seen.split(separator: " ")
            guard seen.contains(") ..."), let index = words.firstIndex(of: "port"), index + 1 < words.count else { return nil }
            return Int(words[index + 1])
        }
    }

    private static func port(of serve: ServeProcess) async throws -> Int {
        let listening = try await serve.line(within: 60) { $0.contains("\"message\":\"listening\"") }
        let record = try #require(try JSONSerialization.jsonObject(with: Data(listening.utf8)) as? [String: Any])
        return try #require((record["port"] as? String).flatMap(Int.init))
    }
}

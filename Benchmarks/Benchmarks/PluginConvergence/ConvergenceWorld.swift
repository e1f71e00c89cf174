import Foundation
import LoopbackSite
import Logging
import MarketStore
import PluginHosting
import Synchronization

/// Two `market serve` replicas (the release build) on one private PostgreSQL cluster, each with
/// its own state folder trusting one registry built with `market registry build` and served by
/// Python's http.server on loopback. The registry holds textkit 1.0.0, 1.0.1, … (`versions`),
/// each built from Plugins/textkit/textkit.c and padded to a 1 MB package, so every change to
/// the next version downloads, verifies, extracts and probes a package no node has yet; an
/// admin token and a tenant's token are made before the servers start.
final class ConvergenceWorld: Sendable {
    let folder: URL
    let market: String
    let cluster: PrivateCluster
    let pool: DatabasePool
    let servers: [Server]
    let admin: String
    let tenantToken: String
    let packageBytes: Int
    /// The published versions, oldest first.
    let versions: [String]
    private let registry: StaticSite

    private init(folder: URL, market: String, cluster: PrivateCluster, pool: DatabasePool, servers: [Server], admin: String,
                 tenantToken: String, packageBytes: Int, versions: [String], registry: StaticSite) {
        self.folder = folder
        self.market = market
        self.cluster = cluster
        self.pool = pool
        self.servers = servers
        self.admin = admin
        self.tenantToken = tenantToken
        self.packageBytes = packageBytes
        self.versions = versions
        self.registry = registry
    }

    /// - Parameter versions: how many versions of textkit to publish (1.0.0 and on).
    static func start(versions count: Int, logger: Logger) async throws -> ConvergenceWorld {
        let versions = (0..<count).map { "1.0.\($0)" }
        let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).deletingLastPathComponent()
        let market = ProcessInfo.processInfo.environment["MARKET_BIN"] ?? root.appendingPathComponent(".build/release/market").path
        guard FileManager.default.isExecutableFile(atPath: market) else {
            throw WorldError("build market first: swift build -c release --product market (in the repository root)")
        }
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("market-bench-convergence-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let run = { (arguments: [String]) in try Self.run(market, arguments, in: folder) }

        try run(["keygen", "--out", "keys", "--name", "k"])
        try run(["registry", "init", "site", "--root-key", "keys/k.key"])
        for version in versions {
            try run(["registry", "build", "site", "--key", "keys/k.key", "--plugins", try textkit(version, root: root, in: folder).path])
        }
        let artifacts = folder.appendingPathComponent("site/artifacts")
        let package = try FileManager.default.contentsOfDirectory(atPath: artifacts.path).first { $0.hasPrefix("textkit-1.0.0") } ?? ""
        let packageBytes = (try FileManager.default.attributesOfItem(atPath: artifacts.appendingPathComponent(package).path)[.size] as? NSNumber)?.intValue ?? 0
        let registry = try StaticSite(serving: folder.appendingPathComponent("site"))
        let registryPort = registry.port
        for node in ["node-a", "node-b"] {
            try run(["registry", "add", "main", "http://127.0.0.1:\(registryPort)", "--root", "site/root.json", "--state-dir", node])
        }

        // The database, migrated, with the tokens, before the servers start (so neither makes its own).
        let cluster = PrivateCluster(stateDirectory: folder.appendingPathComponent("database"))
        _ = try await cluster.start()
        let pool = DatabasePool(connectionString: cluster.connectionString, configuration: .init(size: 2), logger: logger)
        pool.start()
        try await Migrator().apply(using: pool, logger: logger)
        let tenants = TenantStore(pool: pool, masterKey: .generate(), manifests: PluginFolders(stateDirectory: nil), logger: logger)
        guard let admin = try await tenants.ensureAdminToken()?.token else { throw WorldError("the database already had an admin token") }
        _ = try await tenants.createTenant("acme", by: .system)
        let tenantToken = try await tenants.createToken(tenant: "acme", by: .system).token

        let servers = try ["node-a", "node-b"].map { node in
            try Server(market: market, arguments: ["serve", "--port", "0", "--state-dir", folder.appendingPathComponent(node).path, "--node-id", node],
                       database: cluster.connectionString, log: folder.appendingPathComponent("\(node).log"))
        }
        return ConvergenceWorld(folder: folder, market: market, cluster: cluster, pool: pool, servers: servers, admin: admin,
                                tenantToken: tenantToken, packageBytes: packageBytes, versions: versions, registry: registry)
    }

    /// Stops the servers (SIGTERM), the registry and the cluster, and removes the folder.
    func stop() async throws {
        for server in servers { server.stop() }
        registry.stop()
        await pool.shutdown()
        _ = try await cluster.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// A folder of plugin folders holding textkit `version` compiled from the repository's
    /// source, its library padded with 1 MB of random bytes in a section the loader never maps:
    /// the package is 1 MB (incompressible) and the library loads as textkit does.
    private static func textkit(_ version: String, root: URL, in folder: URL) throws -> URL {
        let plugins = folder.appendingPathComponent("textkit-\(version)")
        let copy = plugins.appendingPathComponent("textkit")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        let source = try String(contentsOf: root.appendingPathComponent("Plugins/textkit/textkit.c"), encoding: .utf8)
        let manifest = try String(contentsOf: root.appendingPathComponent("Plugins/textkit/plugin.json"), encoding: .utf8)
        guard source.contains("\"textkit\", \"1.0.0\""), manifest.contains("\"version\": \"1.0.0\"") else {
            throw WorldError("textkit's source or manifest no longer names version 1.0.0 as this benchmark expects")
        }
        let patched = folder.appendingPathComponent("textkit-\(version).c")
        try source.replacingOccurrences(of: "\"textkit\", \"1.0.0\"", with: "\"textkit\", \"\(version)\"").write(to: patched, atomically: true, encoding: .utf8)
        try manifest.replacingOccurrences(of: "\"version\": \"1.0.0\"", with: "\"version\": \"\(version)\"")
            .write(to: copy.appendingPathComponent("plugin.json"), atomically: true, encoding: .utf8)
        let library = copy.appendingPathComponent("libtextkit.so").path
        try run("/usr/bin/cc", ["-std=c11", "-O2", "-fPIC", "-shared", "-fvisibility=hidden", "-I", root.appendingPathComponent("PluginAPI/include").path,
                                patched.path, "-o", library], in: folder)
        let padding = folder.appendingPathComponent("padding-\(version).bin")
        try Data((0..<(1 << 20)).map { _ in UInt8.random(in: 0...255) }).write(to: padding)
        try run("/usr/bin/objcopy", ["--add-section", ".market_padding=\(padding.path)", "--set-section-flags", ".market_padding=noload,readonly", library],
                in: folder)
        return plugins
    }

    private static func run(_ executable: String, _ arguments: [String], in folder: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw WorldError("\(executable) \(arguments.joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self))")
        }
    }

    /// One `market serve` replica: its log lines go to a file; its port is read off the
    /// "listening" line.
    final class Server: Sendable {
        let port: Int
        private let process: Process

        init(market: String, arguments: [String], database: String, log: URL) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: market)
            process.arguments = arguments
            var environment = ProcessInfo.processInfo.environment.filter { !["MARKET_LOG_LEVEL", "MARKET_HOME", "MARKET_REGISTRY"].contains($0.key) }
            environment["DATABASE_URL"] = database
            process.environment = environment
            let output = Pipe()
            FileManager.default.createFile(atPath: log.path, contents: nil)
            let file = try FileHandle(forWritingTo: log)
            process.standardOutput = output
            process.standardError = file
            try process.run()
            let found = Announcement()
            let announced = DispatchSemaphore(value: 0)
            let reader = output.fileHandleForReading
            // Drains the log for the server's whole life, so its writes never block.
            Thread.detachNewThread {
                var pending = Data()
                while true {
                    let chunk = reader.availableData
                    if chunk.isEmpty { break }
                    file.write(chunk)
                    pending += chunk
                    while let newline = pending.firstIndex(of: 10) {
                        let line = pending[pending.startIndex..<newline]
                        pending = Data(pending[(newline + 1)...])
                        if found.port.withLock({ $0 }) == nil, let port = Self.listeningPort(line) {
                            found.port.withLock { $0 = port }
                            announced.signal()
                        }
                    }
                }
                announced.signal()
            }
            guard announced.wait(timeout: .now() + 120) == .success, let port = found.port.withLock({ $0 }) else {
                process.terminate()
                throw WorldError("market serve did not say it was listening; see \(log.path)")
            }
            self.port = port
            self.process = process
        }

        func stop() {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }

        /// The port the drain thread found, for the thread that started the server.
        private final class Announcement: Sendable {
            let port = Mutex<Int?>(nil)
        }

        private static func listeningPort(_ line: Data) -> Int? {
            guard let record = try? JSONSerialization.jsonObject(with: line) as? [String: Any], record["message"] as? String == "listening" else { return nil }
            return (record["port"] as? String).flatMap(Int.init) ?? record["port"] as? Int
        }
    }
}

struct WorldError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

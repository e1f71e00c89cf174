import Foundation
import Logging
import MarketCore
import MarketServer
import MarketStore
import MarketTestSupport
import PluginHosting
import StoreTestSupport
import Synchronization
import Testing

/// A live server with two tenants made through the API itself: `tenant-a` and `tenant-b`, a
/// token of each, and tenant B's `openai` configured, with its `api_key` secret stored, and
/// enabled; `vault` (a plugin manifest with a `format: secret` config field) is known too.
struct TenantAPIWorld: Sendable {
    static let a = "tenant-a"
    static let b = "tenant-b"
    /// The id of an event tenant B published through the API.
    static let eventB = "evt-tenant-b-1"
    /// What tenant B's `openai` api_key is set to; searched for everywhere it must not be.
    let secret: String
    let server: RunningServer
    let database: String
    let admin: String
    let adminTokenID: String
    let tokenA: String
    let tokenB: String
    let tokenBID: String

    /// Sets the world up, runs `body`, stops the server.
    static func with<Value: Sendable>(logger: Logger = quietLogger, _ body: @Sendable (TenantAPIWorld) async throws -> Value) async throws -> Value {
        let database = try await freshDatabase(migrated: true)
        let extra = try temporaryDirectory("vault-manifest")
        defer { try? FileManager.default.removeItem(at: extra) }
        try VaultManifest.write(into: extra)
        let manifests = PluginFolders(stateDirectory: nil, developmentFolders: [Repository.builtPlugins, extra])
        return try await RunningServer.with(database: database, manifests: manifests, logger: logger) { server in
            let issued = try #require(try await server.tenants.ensureAdminToken())
            let secret = "sk-LEAK-" + UUID().uuidString.lowercased()
            let admin = issued.token
            func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> HTTPReply {
                let reply = try await server.request(method, path, headers: ["Authorization": "Bearer \(admin)"], body: body)
                guard (200..<300).contains(reply.status) else { throw HTTPTestFailure("\(method) \(path): \(reply.status) \(reply.text)") }
                return reply
            }
            _ = try await call("POST", "/v1/tenants", #"{"id":"tenant-a","name":"Tenant A"}"#)
            _ = try await call("POST", "/v1/tenants", #"{"id":"tenant-b"}"#)
            let a = try await call("POST", "/v1/tenants/tenant-a/tokens", #"{"label":"a"}"#).json()
            let b = try await call("POST", "/v1/tenants/tenant-b/tokens", #"{"label":"b"}"#).json()
            _ = try await call("PATCH", "/v1/tenants/tenant-b/plugins/openai/config", #"{"model":"gpt-4o-mini"}"#)
            _ = try await call("PUT", "/v1/tenants/tenant-b/plugins/openai/secrets/api_key", #"{"value":"\#(secret)"}"#)
            _ = try await call("POST", "/v1/tenants/tenant-b/plugins/openai/enable")
            _ = try await call("POST", "/v1/tenants/tenant-b/events", #"{"id":"\#(eventB)","type":"lead.created","data":{"name":"Ada"}}"#)
            let world = TenantAPIWorld(secret: secret, server: server, database: database, admin: admin, adminTokenID: issued.info.id,
                                       tokenA: try #require(a["token"] as? String), tokenB: try #require(b["token"] as? String),
                                       tokenBID: try #require(b["id"] as? String))
            return try await body(world)
        }
    }

    /// A request with `token` as its bearer token (none when nil).
    func call(_ method: String, _ path: String, token: String?, body: String? = nil, contentType: String? = nil) async throws -> HTTPReply {
        var headers = token.map { ["Authorization": "Bearer \($0)"] } ?? [:]
        if let contentType { headers["Content-Type"] = contentType }
        return try await server.request(method, path, headers: headers, body: body)
    }

    /// Every row of every table, as JSON text, without `last_used_at` (authenticating a request
    /// may set it): what a refused request must leave exactly as it was.
    func snapshot() async throws -> [String] {
        try await onThread { [database] in
            let connection = try PostgresConnection.connect(database)
            defer { connection.close() }
            let tables = try connection.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
                .map { try $0.decode("tablename", as: String.self) }
            var rows: [String] = []
            for table in tables {
                rows += try connection.query("SELECT '\(table): ' || (to_jsonb(t) - 'last_used_at')::text AS r FROM \(table) t ORDER BY 1")
                    .map { try $0.decode("r", as: String.self) }
            }
            return rows
        }
    }
}

/// A manifest whose config has a `format: secret` field, for the secret and validation tests.
enum VaultManifest {
    static func write(into folder: URL) throws {
        let plugin = folder.appendingPathComponent("vault")
        try FileManager.default.createDirectory(at: plugin, withIntermediateDirectories: true)
        try Data("""
            {"id": "vault", "version": "1.0.0", "name": "Vault", "summary": "A config with a secret field.",
             "publisher": "market", "license": "Apache-2.0", "kinds": ["tools"], "language": "c", "abi": "^1.0",
             "library": "libvault.so",
             "config": {"type": "object", "required": ["level"], "properties": {
                "level": {"type": "integer", "minimum": 1, "maximum": 5},
                "mode": {"type": "string", "enum": ["fast", "safe"], "default": "safe"},
                "token": {"type": "string", "format": "secret", "minLength": 12, "pattern": "^sk-"}}},
             "tools": [{"name": "noop", "description": "Does nothing."}]}
            """.utf8).write(to: plugin.appendingPathComponent("plugin.json"))
    }
}

/// Keeps every log line a test's server writes, rendered with its metadata, for searching.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    /// A logger at `trace`, so nothing the server would log is missed.
    var logger: Logger {
        var logger = Logger(label: "captured") { label in Handler(label: label, log: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let label: String
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        init(label: String, log: CapturedLog) {
            self.label = label
            self.log = log
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
            let error = event.error.map { " error=\(String(reflecting: $0))" } ?? ""
            log.append("\(event.level) \(label) \(event.message) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))\(error)")
        }
    }
}

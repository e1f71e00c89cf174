import Foundation
import Logging
import MarketCore
import MarketStore
import MarketTestSupport
import PluginHosting
import StoreTestSupport
import Testing

/// A fresh database with the schema, a temporary folder of plugin manifests (a test CRM with a
/// secret config field, and the first-party plugins' real plugin.json files), and a store on them.
struct TenantFixture {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A CRM whose config has a required secret field (`api_token`) and whose manifest allows
    /// one more secret (`webhook_secret`).
    static let crmManifest = """
        {
          "id": "crm", "version": "1.0.0", "name": "Test CRM", "summary": "A CRM for the tenant tests", "publisher": "market",
          "license": "Apache-2.0", "kinds": ["tools"], "language": "c", "abi": "^1.0", "library": "libcrm.so",
          "permissions": {"secrets": ["webhook_secret"], "network": ["crm.example.com"]},
          "config": {
            "type": "object", "required": ["workspace", "api_token"], "additionalProperties": false,
            "properties": {
              "workspace": {"type": "string", "pattern": "^[a-z]+$"},
              "api_token": {"type": "string", "format": "secret", "minLength": 8},
              "page_size": {"type": "integer", "minimum": 1, "maximum": 100, "default": 25},
              "region": {"enum": ["eu", "us"], "default": "eu"}
            }
          }
        }
        """

    let connectionString: String
    let pool: DatabasePool
    let store: TenantStore
    let plugins: URL
    let key: MasterKey
    let logs: CapturingLogHandler
    let admin = Principal.admin(actor: "cli:test")

    /// - Parameter key: the master key; a new random one when nil.
    static func make(key: MasterKey? = nil) async throws -> TenantFixture {
        let connectionString = try await freshDatabase()
        let logs = CapturingLogHandler()
        let pool = DatabasePool(connectionString: connectionString, configuration: .init(size: 3), logger: logs.logger)
        pool.start()
        try await Migrator().apply(using: pool, logger: logs.logger)
        let plugins = try writePlugins()
        let key = key ?? MasterKey.generate()
        let store = TenantStore(pool: pool, masterKey: key, manifests: manifests(plugins), logger: logs.logger)
        return TenantFixture(connectionString: connectionString, pool: pool, store: store, plugins: plugins, key: key, logs: logs)
    }

    /// The test CRM in a temporary folder of plugin folders.
    static func writePlugins() throws -> URL {
        let folder = try temporaryDirectory("tenant-plugins")
        let crm = folder.appendingPathComponent("crm")
        try FileManager.default.createDirectory(at: crm, withIntermediateDirectories: true)
        try Data(crmManifest.utf8).write(to: crm.appendingPathComponent("plugin.json"))
        return folder
    }

    /// The test CRM, then the repository's own plugins (openai, notes, …) by their plugin.json.
    static func manifests(_ plugins: URL) -> PluginFolders {
        PluginFolders(stateDirectory: nil, developmentFolders: [plugins, packageRoot.appendingPathComponent("Plugins")])
    }

    /// Another store on the same database, with another key or logger.
    func store(key: MasterKey? = nil, logger: Logger? = nil) -> TenantStore {
        TenantStore(pool: pool, masterKey: key ?? self.key, manifests: Self.manifests(plugins), logger: logger ?? logs.logger)
    }

    /// Every row of the tenant tables as text, to compare before and after a refused change.
    /// Tokens' `last_used_at` is left out: authenticating changes it.
    func snapshot() async throws -> [String] {
        try await pool.withConnection { connection in
            try ["tenants", "api_tokens", "plugin_installations", "secrets", "audit_log"].flatMap { table in
                try connection.query("SELECT (to_jsonb(t) - 'last_used_at')::text AS row FROM \(table) t ORDER BY 1")
                    .map { "\(table): " + (try $0.decode("row", as: String.self)) }
            }
        }
    }

    /// Runs one statement (for tests that tamper with rows).
    @discardableResult
    func sql(_ text: String, _ parameters: [any PostgresEncodable] = []) async throws -> [[String?]] {
        try await pool.withConnection { connection in
            let result = try connection.query(text, parameters)
            return try result.map { row in try result.columns.indices.map { try row.decode($0, as: String?.self) } }
        }
    }

    func close() async {
        await pool.shutdown()
        try? FileManager.default.removeItem(at: plugins)
    }
}

/// Runs `body` and returns the `MarketError` it throws; fails the test when it throws none.
func marketError(_ body: () async throws -> some Any, sourceLocation: SourceLocation = #_sourceLocation) async -> MarketError? {
    do {
        _ = try await body()
        Issue.record("expected a MarketError", sourceLocation: sourceLocation)
        return nil
    } catch let error as MarketError {
        return error
    } catch {
        Issue.record("expected a MarketError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

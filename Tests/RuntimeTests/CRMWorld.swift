import Foundation
import Logging
import MarketCore
import MarketStore
import PluginRuntime
import StoreTestSupport
import Testing

/// The crm plugin built by scripts/build-plugins.sh, loaded with dlopen into a runtime whose
/// `market.documents/1` is PostgreSQL (a fresh database of the suite's cluster) and whose
/// events are kept in memory.
struct CRMWorld {
    let pool: DatabasePool
    let events: InMemoryEventLog
    let runtime: PluginRuntime
    let library: PluginLibrary

    static func start(documents: Bool = true) async throws -> CRMWorld {
        let pool = DatabasePool(connectionString: try await freshDatabase(migrated: true), configuration: .init(size: 4), logger: quietLogger)
        pool.start()
        let events = InMemoryEventLog()
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let runtime = PluginRuntime(services: HostServices(logger: quiet, events: events, documents: documents ? PostgresDocumentStore(pool: pool) : nil))
        return CRMWorld(pool: pool, events: events, runtime: runtime, library: try runtime.load(try TestPaths.plugin("crm")))
    }

    func instance(tenant: String = "acme", config: String = "{}") async throws -> PluginInstance {
        try await runtime.instantiate(library, tenantID: tenant, config: config)
    }

    func close(_ instances: PluginInstance...) async {
        for instance in instances { await instance.close() }
        await runtime.shutdown()
        await pool.shutdown()
    }
}

extension PluginInstance {
    /// Calls a CRM tool and parses its result.
    func crm(_ tool: String, _ arguments: String, conversation: String? = nil) async throws -> JSONValue {
        let context = conversation.map { #"{"conversation_id":"\#($0)"}"# } ?? "{}"
        return try JSONValue(parsing: try await callTool(tool, arguments: arguments, context: context))
    }
}

/// Expects a CRM tool call to fail with the plugin's `status` and a message containing `text`.
func expectRefusal(_ status: String, containing text: String, sourceLocation: SourceLocation = #_sourceLocation,
                   _ body: () async throws -> JSONValue) async {
    let error = await expectError(.pluginFailed, sourceLocation: sourceLocation, body)
    let failure = error?.underlying as? PluginCallFailure
    #expect(failure?.statusName == status, "\(String(describing: error))", sourceLocation: sourceLocation)
    #expect(failure?.message.contains(text) == true, "\(String(describing: failure?.message)) lacks \(text)", sourceLocation: sourceLocation)
}

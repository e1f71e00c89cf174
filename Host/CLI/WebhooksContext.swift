import ArgumentParser
import Foundation
import Logging
import MarketCore
import MarketStore
import PluginHosting
import PluginRuntime

/// What the `market webhooks` commands work with: the tenant's endpoints (the plugin
/// `webhooks`'s targets, prepared by the plugin loaded here) and the event-type catalogue.
struct WebhooksContext {
    let endpoints: WebhookEndpoints
    let catalog: EventTypeCatalog
    let principal: Principal
}

extension TenantOptions {
    /// Opens the database (refusing a schema that is not current), the plugin owner over the
    /// installed and `--plugins` plugins, and the target store; runs `body`; closes them.
    func withWebhooks<Value>(_ body: (WebhooksContext) async throws -> Value) async throws -> Value {
        let logger = Logger(label: "market.webhooks")
        return try await database.withCurrentStore(size: 3, logger: logger) { pool, key in
            let tenants = TenantStore(pool: pool, masterKey: key, manifests: pluginFolderSet, logger: logger)
            if let admin = try await tenants.ensureAdminToken() { AdminTokenNotice.print(admin) }
            let bus = EventBus(pool: pool, logger: logger)
            let runtime = PluginRuntime(services: HostServices(logger: logger, keyValue: PostgresKeyValueStore(pool: pool), events: bus,
                                                               documents: PostgresDocumentStore(pool: pool),
                                                               connections: ConnectionStore(tenants: tenants, logger: logger)))
            let host = PluginHost(runtime: runtime, folders: pluginFolderSet, tenants: tenants, logger: logger)
            let context = WebhooksContext(endpoints: WebhookEndpoints(host: host, targets: EventTargets(pool: pool, box: tenants.box, logger: logger)),
                                          catalog: EventTypeCatalog(host: host), principal: principal)
            do {
                let value = try await body(context)
                await host.closeAll()
                await runtime.shutdown()
                return value
            } catch {
                await host.closeAll()
                await runtime.shutdown()
                throw error
            }
        }
    }
}

/// An endpoint as one line of text: id, state, types, URL, description.
func endpointLine(_ endpoint: EventTarget) -> String {
    let url = endpoint.settings["url"].flatMap { if case .string(let url) = $0 { url } else { nil } } ?? "-"
    let state = endpoint.enabled ? (endpoint.pausedUntil.map { $0 > Date() } == true ? "paused" : "enabled") : "disabled"
    var line = "\(endpoint.id)  \(state)  \(endpoint.patterns.joined(separator: ","))  \(url)"
    if let rate = endpoint.ratePerSecond { line += "  \(rate)/s" }
    if endpoint.ordered { line += "  ordered" }
    if !endpoint.description.isEmpty { line += "  \(endpoint.description)" }
    if let reason = endpoint.disabledReason { line += "  (\(reason))" }
    return line
}

/// `Name: value` headers as a dictionary.
/// - Throws: `ValidationError` for a header without a colon or a name.
func parseHeaders(_ headers: [String]) throws -> [String: String] {
    var parsed: [String: String] = [:]
    for header in headers {
        guard let colon = header.firstIndex(of: ":"), !header[..<colon].trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("--header '\(header)' is not 'Name: value'")
        }
        parsed[header[..<colon].trimmingCharacters(in: .whitespaces)] = header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return parsed
}

/// `lead.*,order.paid` as patterns.
func parseTypes(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

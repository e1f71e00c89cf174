import CRMKit
import Foundation
import PluginKit

/// HubSpot's CRM (API v3) behind the CRM tool contract (docs/crm.md, docs/hubspot.md): contacts
/// found and deduplicated by phone and e-mail, deals as leads, notes and tasks; HubSpot's
/// webhooks, verified by their v3 signature, become the contract's events.
final class HubSpotPlugin: ToolPlugin, CRMTools, IngressPlugin, ConnectionTestPlugin {
    static let id = "hubspot"
    static let version = "1.0.0"
    // Calls share only the client (its account behind a lock) and the pipeline cache (locked).
    static let concurrency = PluginConcurrency.concurrent

    let host: PluginHost
    let settings: HubSpotSettings
    let client: HubSpotClient
    let pipelines = PipelineCache()

    init(host: PluginHost, config: PluginConfig) throws {
        self.host = host
        settings = try HubSpotSettings(config)
        client = HubSpotClient(host: host, settings: settings)
    }

    var tools: [Tool] { crmTools }

    /// Publishes `type` for the conversation the call came from, if any.
    func publish(_ type: String, _ data: some Encodable, context: CallContext) throws {
        try host.publish(type, data: data, conversationID: CRMArguments.conversationID(context))
    }

    func handle(request: HTTPRequest, context: CallContext) throws -> HTTPResponse {
        WebhookReceiver(plugin: self).handle(request, context: context)
    }
}

@_cdecl("mk_plugin_entry_v1")
public func entry(_ abi: UInt32) -> UnsafeRawPointer? { export(HubSpotPlugin.self, hostABI: abi) }

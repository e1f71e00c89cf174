import CRMKit
import Foundation
import PluginKit

/// Bitrix24 behind the CRM tool contract (docs/crm.md, docs/bitrix24.md): its REST API through
/// an incoming webhook or an OAuth2 grant (the connection), paced by the portal's leaky bucket,
/// with `batch` wherever one tool needs several reads; and its outbound events (`ONCRM*`),
/// checked by their application token, as the contract's events.
final class Bitrix24Plugin: ToolPlugin, CRMTools, IngressPlugin, ConnectionTestPlugin {
    static let id = "bitrix24"
    static let version = "1.0.0"
    // Calls share only the pacer and the pipeline cache, which lock themselves: a burst of
    // calls waits in the pacer together rather than one behind another.
    static let concurrency = PluginConcurrency.concurrent

    let host: PluginHost
    let settings: Bitrix24Settings
    let pipelines: Pipelines

    init(host: PluginHost, config: PluginConfig) throws {
        self.host = host
        settings = try Bitrix24Settings(config)
        pipelines = Pipelines(entity: settings.entity)
    }

    var tools: [Tool] { crmTools }

    /// The portal's client; fails with the setting to make when no portal is configured.
    func client(_ context: CallContext?) throws -> Bitrix24Client {
        Bitrix24Client(host: host, portal: try settings.requirePortal(context))
    }

    /// Publishes `type` for the conversation the call came from, if any.
    func publish(_ type: String, _ data: some Encodable, context: CallContext?) throws {
        try host.publish(type, data: data, conversationID: context.flatMap { CRMArguments.conversationID($0) })
    }
}

@_cdecl("mk_plugin_entry_v1")
public func entry(_ abi: UInt32) -> UnsafeRawPointer? { export(Bitrix24Plugin.self, hostABI: abi) }

import Foundation
import CRMKit
import PluginKit

/// The built-in CRM: contacts deduplicated by phone and e-mail, companies, leads in pipelines
/// of stages, notes and tasks, in the host's document store (`market.documents/1`). Its tools
/// and events are the contract every CRM plugin shares (docs/crm.md).
final class CRMPlugin: ToolPlugin, CRMTools {
    static let id = "crm"
    static let version = "1.0.0"

    let host: PluginHost
    let settings: CRMSettings

    init(host: PluginHost, config: PluginConfig) throws {
        self.host = host
        settings = try CRMSettings(config)
    }

    var tools: [Tool] { crmTools }

    /// Publishes `type` for the conversation the call came from, if any.
    func publish(_ type: String, _ data: some Encodable, context: CallContext) throws {
        try host.publish(type, data: data, conversationID: CRMArguments.conversationID(context))
    }
}

@_cdecl("mk_plugin_entry_v1")
public func entry(_ abi: UInt32) -> UnsafeRawPointer? { export(CRMPlugin.self, hostABI: abi) }

import CRMKit
import Foundation
import PluginKit

/// amoCRM (Kommo) behind the CRM tool contract of docs/crm.md: contacts, leads in pipelines,
/// notes and tasks through API v4 with the tenant's connection (a long-lived token or OAuth2,
/// refreshed by the host), amoCRM's webhooks in as the contract's events. See docs/amocrm.md.
final class AmoCRMPlugin: ToolPlugin, CRMTools, ConnectionTestPlugin, IngressPlugin {
    static let id = "amocrm"
    static let version = "1.0.0"

    let host: PluginHost
    let settings: AmoSettings
    let api: AmoAPI
    let pipelineCache = PipelineCache()

    init(host: PluginHost, config: PluginConfig) throws {
        self.host = host
        settings = try AmoSettings(config)
        api = AmoAPI(host: host, settings: settings)
    }

    var tools: [Tool] { crmTools }

    func handle(request: HTTPRequest, context: CallContext) throws -> HTTPResponse {
        AmoWebhook(plugin: self).handle(request, context: context)
    }

    /// Publishes an event about a record this instance made, and marks it so that amoCRM's
    /// webhook about the same record does not publish it again.
    func publishOnce(_ type: String, _ data: some Encodable, entity: String, id: Int, context: CallContext) throws {
        try host.publish(type, data: data, conversationID: CRMArguments.conversationID(context))
        try host.kvPut(Self.publishedKey(entity, id), Array("1".utf8), expiresAfter: PublishedMarkers.lifetimeSeconds)
    }

    static func publishedKey(_ entity: String, _ id: Int) -> String { "published/\(entity)/\(id)" }

    /// The stage a published `lead.stage_changed` moved lead `id` to, so that amoCRM's webhook
    /// reporting the same move is not published twice.
    func rememberStage(_ stage: String, of id: Int) throws {
        try host.kvPut("stage/\(id)", Array(stage.utf8), expiresAfter: PublishedMarkers.lifetimeSeconds)
    }

    func rememberedStage(of id: Int) throws -> String? {
        try host.kvGet("stage/\(id)").map { String(decoding: $0, as: UTF8.self) }
    }

    func testConnection(context: CallContext) throws -> [ConnectionTestStep] {
        var steps = [ConnectionTestStep("config", ok: true, detail: "account \(settings.root)")]
        do {
            _ = try host.accessToken()
            steps.append(ConnectionTestStep("credentials", ok: true, detail: "the host has a token for the account"))
        } catch let error as PluginError {
            steps.append(ConnectionTestStep("credentials", ok: false, detail: error.message))
            return steps
        }
        do {
            guard let account = try api.get(AmoAccount.self, "/api/v4/account", context: context) else {
                steps.append(ConnectionTestStep("request", ok: false, detail: "GET /api/v4/account answered no content"))
                return steps
            }
            steps.append(ConnectionTestStep("request", ok: true, detail: "GET /api/v4/account: account '\(account.name ?? "")' (id \(account.id), subdomain \(account.subdomain ?? "?"))"))
        } catch let error as PluginError {
            steps.append(ConnectionTestStep("request", ok: false, detail: error.message))
        }
        return steps
    }
}

private struct AmoAccount: Decodable {
    let id: Int
    let name: String?
    let subdomain: String?
}

@_cdecl("mk_plugin_entry_v1")
public func entry(_ abi: UInt32) -> UnsafeRawPointer? { export(AmoCRMPlugin.self, hostABI: abi) }

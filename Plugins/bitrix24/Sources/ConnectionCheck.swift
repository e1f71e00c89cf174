import CRMKit
import Foundation
import PluginKit

/// `market connections test bitrix24`: the portal is set, the connection gives a credential,
/// and one harmless read (the stages of the default pipeline) succeeds, each in Bitrix24's words.
extension Bitrix24Plugin {
    func testConnection(context: CallContext) throws -> [ConnectionTestStep] {
        guard let portal = settings.portal else {
            let tenant = Bitrix24Settings.tenant(context) ?? "TENANT"
            return [ConnectionTestStep("config", ok: false, detail: "portal_url is not set: market config bitrix24 --tenant \(tenant) portal_url=https://YOUR-PORTAL.bitrix24.ru")]
        }
        var steps = [ConnectionTestStep("config", ok: true, detail: "portal \(portal); leads are Bitrix24 \(settings.entity.rawValue)s")]
        let credential: Bitrix24Credential
        do {
            credential = Bitrix24Credential(try host.accessToken())
        } catch let error as PluginError {
            steps.append(ConnectionTestStep("credentials", ok: false, detail: error.message))
            return steps
        }
        steps.append(ConnectionTestStep("credentials", ok: true, detail: "the connection gives \(credential.summary)"))
        do {
            let pipeline = settings.entity == .deal ? "0" : Pipelines.leadPipeline
            let answer = try client(context).call("crm.status.list", Pipelines.stageQuery(pipeline, entity: settings.entity), context: context)
            let stages = Pipelines.stages(answer["result"]).map(\.id)
            steps.append(ConnectionTestStep("request", ok: true, detail: "crm.status.list answered \(stages.count) stages: \(stages.joined(separator: ", "))"))
        } catch let error as PluginError {
            steps.append(ConnectionTestStep("request", ok: false, detail: error.message))
        }
        return steps
    }
}

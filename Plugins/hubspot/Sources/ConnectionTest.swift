import CRMKit
import Foundation
import PluginKit

/// `market connections test hubspot`: the settings, the connection's token, and one read of
/// the account (`GET /account-info/v3/details`), each with HubSpot's own words.
extension HubSpotPlugin {
    func testConnection(context: CallContext) throws -> [ConnectionTestStep] {
        var steps = [ConnectionTestStep("config", ok: true, detail: "api_url is \(settings.root)"
                                            + (settings.hookURL == nil ? "; hook_url is not set, so HubSpot's webhooks are refused until it is" : ""))]
        let token: String
        do {
            token = try host.accessToken()
        } catch let error as PluginError {
            steps.append(ConnectionTestStep("credentials", ok: false, detail: error.message))
            return steps
        }
        steps.append(ConnectionTestStep("credentials", ok: true, detail: "the host gave the connection's token"))
        let requests = CRMRequests(host: host, service: HubSpotClient.service,
                                   pacer: RequestPacer.shared(account: "hubspot \(settings.root)", perSecond: client.requestsPerSecond, burst: 1))
        do {
            let response = try requests.send("GET", settings.root + "/account-info/v3/details",
                                             headers: [(name: "Authorization", value: "Bearer \(token)")], context: context)
            guard (200..<300).contains(response.status) else {
                steps.append(ConnectionTestStep("request", ok: false,
                                                detail: "HTTP \(response.status): \(HubSpotErrorBody(response).detail(hiding: token))"))
                return steps
            }
            let details = try client.decode(AccountDetails.self, response, what: "GET /account-info/v3/details")
            steps.append(ConnectionTestStep("request", ok: true,
                                            detail: "HubSpot account \(details.portalId)" + (details.timeZone.map { ", time zone \($0)" } ?? "")))
        } catch let error as PluginError {
            steps.append(ConnectionTestStep("request", ok: false, detail: error.message))
        }
        return steps
    }
}

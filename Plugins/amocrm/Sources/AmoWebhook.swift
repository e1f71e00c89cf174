import CRMKit
import Foundation
import PluginKit

/// amoCRM's webhooks in (`market.ingress/1`): a form-encoded POST with PHP-style keys such as
/// `leads[status][0][id]=…&account[subdomain]=acme`. amoCRM does not sign them, so the hook URL
/// (random per tenant) is the secret, the account must be the configured one, and nothing in
/// the body is trusted beyond ids: each record is read back from the API before an event is
/// published, so a forged hook can at most repeat what the account holds.
///
/// - `leads[add]` → `lead.created`, `leads[status]` → `lead.stage_changed` (from `old_status_id`),
///   `contacts[add]` → `contact.created`; records this plugin made or moved itself are skipped,
///   their events having been published by the tool call.
/// - 200 when handled, 401 for another account, 400 for a body that is no such form, 503 when
///   the API could not be read (amoCRM sends the hook again later).
struct AmoWebhook {
    let plugin: AmoCRMPlugin

    func handle(_ request: HTTPRequest, context: CallContext) -> HTTPResponse {
        guard request.method == "POST" else { return answer(405, "amoCRM sends webhooks with POST") }
        guard let form = WebhookForm(request.body), !form.isEmpty else { return answer(400, "the body is not amoCRM's form-encoded webhook") }
        if let expected = plugin.settings.subdomain {
            guard let subdomain = form["account[subdomain]"], sameSecret(subdomain, expected) else {
                plugin.host.log(.warning, "amoCRM webhook refused: account[subdomain] is not the configured account",
                                fields: ["got": String((form["account[subdomain]"] ?? "(none)").prefix(64))])
                return answer(401, "this hook belongs to another amoCRM account")
            }
        }
        do {
            var published = 0
            for id in form.ids("leads[add]") where try firstReport("lead", id) {
                guard let lead = try read(lead: id, context: context) else { continue }
                try plugin.host.publish("lead.created", data: LeadOutput(lead: lead))
                published += 1
            }
            for index in form.indices("leads[status]") {
                guard let id = form.int("leads[status][\(index)][id]"), let to = form["leads[status][\(index)][status_id]"] else { continue }
                guard try plugin.rememberedStage(of: id) != to else { continue }
                guard let lead = try read(lead: id, context: context) else { continue }
                let from = form["leads[status][\(index)][old_status_id]"] ?? ""
                try plugin.host.publish("lead.stage_changed", data: StageChange(lead: lead, from: from, to: lead.stage))
                try plugin.rememberStage(lead.stage, of: id)
                published += 1
            }
            for id in form.ids("contacts[add]") where try firstReport("contact", id) {
                guard let contact = try plugin.api.contact("/api/v4/contacts/\(id)?with=companies", context: context) else { continue }
                try plugin.host.publish("contact.created", data: ContactEvent(contact: try plugin.contract([contact], context: context)[0]))
                published += 1
            }
            return answer(200, "published \(published) events")
        } catch {
            plugin.host.log(.warning, "amoCRM webhook not handled; amoCRM will send it again", fields: ["error": "\(error)"])
            return answer(503, "not handled now; send again later")
        }
    }

    /// The lead as the account holds it; nil when it holds no such lead (an id made up, or deleted since).
    private func read(lead id: Int, context: CallContext) throws -> Lead? {
        try plugin.api.get(AmoLead.self, "/api/v4/leads/\(id)?with=contacts", context: context)?.contract
    }

    /// False when this plugin published the record's event itself (the mark is then dropped).
    private func firstReport(_ entity: String, _ id: Int) throws -> Bool {
        let key = AmoCRMPlugin.publishedKey(entity, id)
        guard try plugin.host.kvGet(key) != nil else { return true }
        try plugin.host.kvRemove(key)
        return false
    }

    private func answer(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["content-type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }
}

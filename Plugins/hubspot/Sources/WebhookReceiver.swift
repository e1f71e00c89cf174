import CRMKit
import Foundation
import PluginKit

/// HubSpot's webhooks at the plugin's hook: a POST of a JSON array of events, signed with the
/// app's client secret (`X-HubSpot-Signature-v3`). Each verified event about a contact or deal
/// is looked up in HubSpot and published as the contract's event: `contact.creation` →
/// `contact.created`, `deal.creation` → `lead.created`, a `deal.propertyChange` of `dealstage`
/// → `lead.stage_changed`. Events the plugin already published (a tool made the change) and
/// other subscriptions are acknowledged and skipped. A failure to look an object up answers 503,
/// so HubSpot sends the batch again; what was published meanwhile is not published twice.
struct WebhookReceiver {
    let plugin: HubSpotPlugin

    func handle(_ request: HTTPRequest, context: CallContext) -> HTTPResponse {
        guard request.method == "POST" else {
            return answer(405, ["error": "HubSpot's webhooks are sent with POST"])
        }
        guard let hookURL = plugin.settings.hookURL else {
            return answer(503, ["error": "hook_url is not set: set it to the URL HubSpot calls, the hook URL `market hooks list` shows with your "
                                    + "public address in front (market config hubspot --tenant T hook_url=…)"])
        }
        guard let secret = try? plugin.host.secret("oauth_client_secret"), !secret.isEmpty else {
            return answer(503, ["error": "the oauth_client_secret secret is not set: market secret set hubspot oauth_client_secret --tenant T "
                                    + "(the app's client secret, which HubSpot signs webhooks with)"])
        }
        let header = { (name: String) in request.headers.last { $0.name.lowercased() == name }?.value }
        do {
            try WebhookSignature.verify(method: request.method, uri: hookURL + request.url, body: request.body,
                                        timestamp: header("x-hubspot-request-timestamp"), signature: header("x-hubspot-signature-v3"),
                                        secret: secret)
        } catch .missingHeaders {
            return answer(401, ["error": "X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp are required"])
        } catch .staleTimestamp {
            return answer(401, ["error": "X-HubSpot-Request-Timestamp is more than 5 minutes from now"])
        } catch {
            return answer(401, ["error": "X-HubSpot-Signature-v3 does not match: check that hook_url is exactly the URL in the app's webhook settings and oauth_client_secret is the app's client secret"])
        }
        guard let events = try? JSONDecoder().decode([WebhookEvent].self, from: Data(request.body)) else {
            return answer(400, ["error": "the body is not HubSpot's JSON array of events"])
        }
        var published = 0
        var skipped = 0
        for event in events {
            do {
                if try handle(event, context: context) { published += 1 } else { skipped += 1 }
            } catch let error as PluginError {
                plugin.host.log(.warning, "a HubSpot webhook event could not be handled; HubSpot will send it again",
                                fields: ["event_id": event.eventId?.text ?? "", "reason": error.message])
                return answer(503, ["error": "event \(event.eventId?.text ?? "?"): \(error.message)", "published": "\(published)"])
            } catch {
                return answer(503, ["error": "event \(event.eventId?.text ?? "?"): \(error)", "published": "\(published)"])
            }
        }
        return answer(200, ["published": "\(published)", "skipped": "\(skipped)"])
    }

    /// Publishes the contract's event for `event`; false when there is none to publish.
    private func handle(_ event: WebhookEvent, context: CallContext) throws -> Bool {
        guard let kind = event.kind, let id = event.objectId?.text else { return false }
        if let portal = event.portalId?.text, let mine = try plugin.client.account(context: context).portalID, portal != String(mine) {
            return false
        }
        switch kind {
        case .contactCreated:
            guard !plugin.recalls(.contactCreated(id)) else { return false }
            let contact = try plugin.readContact(id, context: context)
            try plugin.publish("contact.created", ContactEvent(contact: contact), context: context)
            plugin.remember(.contactCreated(id))
        case .dealCreated:
            guard !plugin.recalls(.leadCreated(id)) else { return false }
            let lead = try plugin.readLead(id, context: context)
            try plugin.publish("lead.created", LeadOutput(lead: lead), context: context)
            plugin.remember(.leadCreated(id))
            if plugin.lastStage(of: id) == nil { plugin.remember(.stage(id, lead.stage)) }
        case .dealStageChanged(let to):
            let remembered = plugin.lastStage(of: id)
            guard remembered != to else { return false }
            let deal = try plugin.readDeal(id, context: context, history: true)
            // The deal has moved on since (HubSpot does not keep webhooks in order): the event for
            // its current stage tells the change; this one is stale.
            guard deal.property("dealstage") == to else { return false }
            // Without a stage on record, the one before `to` in the deal's history (newest first).
            let history = deal.propertiesWithHistory?["dealstage"] ?? []
            let from = remembered ?? history.firstIndex { $0.value == to }.flatMap { index in
                history.dropFirst(index + 1).first { $0.value != to }?.value
            }
            // No earlier stage: the deal was made in this one, which lead.created tells.
            guard let from, from != to else {
                plugin.remember(.stage(id, to))
                return false
            }
            var lead = HubSpotPlugin.lead(deal)
            lead.stage = to
            try plugin.publish("lead.stage_changed", StageChange(lead: lead, from: from, to: to), context: context)
            plugin.remember(.stage(id, to))
        }
        return true
    }

    private func answer(_ status: Int, _ fields: [String: String]) -> HTTPResponse {
        let body = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data()
        return HTTPResponse(status: status, headers: ["content-type": "application/json"], body: Array(body))
    }
}

/// One event of HubSpot's webhook body (classic `contact.creation` subscriptions, and the
/// generic `object.creation` / `object.propertyChange` with an `objectTypeId`).
struct WebhookEvent: Decodable {
    enum Kind: Equatable {
        case contactCreated
        case dealCreated
        case dealStageChanged(String)
    }

    let subscriptionType: String?
    let objectTypeId: String?
    let objectId: LooseID?
    let propertyName: String?
    let propertyValue: String?
    let portalId: LooseID?
    let eventId: LooseID?

    var kind: Kind? {
        let type = subscriptionType ?? ""
        let contact = type.hasPrefix("contact.") || (type.hasPrefix("object.") && objectTypeId == "0-1")
        let deal = type.hasPrefix("deal.") || (type.hasPrefix("object.") && objectTypeId == "0-3")
        if type.hasSuffix(".creation") {
            if contact { return .contactCreated }
            if deal { return .dealCreated }
        }
        if type.hasSuffix(".propertyChange"), deal, propertyName == "dealstage", let value = propertyValue, !value.isEmpty {
            return .dealStageChanged(value)
        }
        return nil
    }
}

/// An id HubSpot writes as a number or a string.
struct LooseID: Decodable {
    let text: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            text = String(number)
        } else {
            text = try container.decode(String.self)
        }
    }
}

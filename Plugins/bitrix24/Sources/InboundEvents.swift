import CRMKit
import Foundation
import PluginKit

/// Bitrix24's outbound events (an outgoing webhook, or an app's event handlers) on the
/// plugin's hook: checked by their application token, then the record is read and published as
/// the contract's event. The last stage seen of each lead is kept in `market.kv/1`
/// (`stage/<entity>/<id>`), to tell a stage change from other edits and to publish nothing twice
/// for what a tool call already published; contacts made by upsert_contact are marked as
/// `contact/<id>` for the same reason, for `PublishedMarkers.lifetimeSeconds`.
enum InboundEvents {
    static func stageKey(lead id: String, entity: Bitrix24Settings.Entity) -> String { "stage/\(entity.rawValue)/\(id)" }
    static func seenKey(contact id: String) -> String { "contact/\(id)" }

    static func answer(_ status: Int, _ outcome: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["content-type": "application/json"], body: BitrixValue.object(["result": .string(outcome)]).json)
    }
}

extension Bitrix24Plugin {
    func handle(request: HTTPRequest, context: CallContext) throws -> HTTPResponse {
        guard request.method == "POST" else { return InboundEvents.answer(405, "Bitrix24 events come as POST") }
        guard let form = WebhookForm(request.body) else { return InboundEvents.answer(400, "not a form-encoded Bitrix24 event") }
        let expected = ((try? host.secret("application_token")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if expected.isEmpty {
            host.log(.warning, "a Bitrix24 event was refused: the application_token secret is not set; set it with "
                     + "market secret set bitrix24 application_token --tenant \(Bitrix24Settings.tenant(context) ?? "TENANT")")
        }
        guard sameSecret(form["auth[application_token]"] ?? "", expected) else {
            return InboundEvents.answer(401, "the application token does not match")
        }
        let event = (form["event"] ?? "").uppercased()
        guard let id = form["data[FIELDS][ID]"], BitrixRecords.isID(id) else { return InboundEvents.answer(200, "ignored: no record id") }
        do {
            return InboundEvents.answer(200, try publish(event: event, id: id, context: context))
        } catch let error as PluginError {
            host.log(.warning, "a Bitrix24 event could not be handled", fields: ["event": event, "id": id, "error": error.description])
            switch error.status {
            case .notFound: return InboundEvents.answer(200, "ignored: the record is gone")
            // Bitrix24 sends the event again later; by then the portal may answer.
            default: return InboundEvents.answer(503, "try again later")
            }
        }
    }

    /// Publishes the contract's event for `event` on record `id`; says what became of it.
    private func publish(event: String, id: String, context: CallContext) throws -> String {
        let entity = settings.entity
        switch event {
        case "ONCRMCONTACTADD":
            let key = InboundEvents.seenKey(contact: id)
            if try host.kvGet(key) != nil { return "ignored: already published" }
            let client = try client(context)
            guard let contact = try contacts([Int(id) ?? 0], client: client, context: context).first else { throw Self.noContact(id) }
            try host.kvPut(key, Array("1".utf8), expiresAfter: PublishedMarkers.lifetimeSeconds)
            try publish("contact.created", ContactEvent(contact: contact), context: nil)
            return "published contact.created"
        case entity.addEvent:
            let key = InboundEvents.stageKey(lead: id, entity: entity)
            if try host.kvGet(key) != nil { return "ignored: already published" }
            let lead = try readLead(id, client: try client(context), context: context)
            try host.kvPut(key, Array(lead.stage.utf8))
            try publish("lead.created", LeadOutput(lead: lead), context: nil)
            return "published lead.created"
        case entity.updateEvent:
            let key = InboundEvents.stageKey(lead: id, entity: entity)
            let lead = try readLead(id, client: try client(context), context: context)
            let previous = try host.kvGet(key).map { String(decoding: $0, as: UTF8.self) }
            guard previous != lead.stage else { return "ignored: the stage did not change" }
            try host.kvPut(key, Array(lead.stage.utf8))
            // A lead first seen in an update has no known previous stage: remembered only.
            guard let previous else { return "remembered the stage" }
            try publish("lead.stage_changed", StageChange(lead: lead, from: previous, to: lead.stage), context: nil)
            return "published lead.stage_changed"
        default:
            return "ignored: \(event.prefix(40)) is not an event this installation publishes"
        }
    }
}

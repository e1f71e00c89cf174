import CRMKit
import Foundation
import PluginKit

/// create_lead, move_lead and list_leads on amoCRM's leads.
extension AmoCRMPlugin {
    func createLead(_ input: CreateLeadInput, context: CallContext) throws -> LeadOutput {
        let title = try input.checkedTitle()
        let price = try input.price.map(Self.wholePrice)
        let pipelines = try pipelineCache.pipelines(api, context: context)
        let pipeline = try pipelines.pipeline(input.pipeline)
        let stage = try input.stage.map { try pipelines.stage($0, in: pipeline) } ?? pipelines.firstStage(of: pipeline)
        var contactIDs: [Int] = []
        for id in input.allContactIDs {
            guard let number = Int(id), try api.contact("/api/v4/contacts/\(number)", context: context) != nil else {
                throw PluginError(.notFound, "there is no contact '\(id.prefix(64))'; find it with find_contact or make it with upsert_contact")
            }
            contactIDs.append(number)
        }
        // One call makes the lead with its first contact; amoCRM takes one contact there, the others are linked.
        let complex = ComplexLead(name: title, price: price, pipeline_id: pipeline.id, status_id: stage.id,
                                  _embedded: contactIDs.first.map { ComplexLead.Embedded(contacts: [.init(id: $0)]) })
        let made = try api.send("POST", "/api/v4/leads/complex", [complex], as: [ComplexAnswer].self, context: context)
        guard let id = made.first?.id else { throw PluginError(.upstream, "amoCRM made the lead but answered no id") }
        for contact in contactIDs.dropFirst() { try link("leads", id, to: contact, type: "contacts", context: context) }
        let lead = try self.lead(id, context: context)
        try publishOnce("lead.created", LeadOutput(lead: lead), entity: "lead", id: id, context: context)
        return LeadOutput(lead: lead)
    }

    func moveLead(_ input: MoveLeadInput, context: CallContext) throws -> MoveLeadOutput {
        guard let number = Int(input.lead_id), let current = try api.get(AmoLead.self, "/api/v4/leads/\(number)?with=contacts", context: context) else {
            throw PluginError(.notFound, "there is no lead '\(input.lead_id.prefix(64))'; list_leads shows the leads")
        }
        let pipelines = try pipelineCache.pipelines(api, context: context)
        let stage = try pipelines.stage(input.stage, in: try pipelines.pipeline(String(current.pipeline_id)))
        let from = String(current.status_id)
        guard stage.id != current.status_id else { return MoveLeadOutput(lead: current.contract, from: from, changed: false) }
        _ = try api.send("PATCH", "/api/v4/leads/\(number)", StageMove(status_id: stage.id, pipeline_id: current.pipeline_id),
                         as: AmoAdded.Item.self, context: context)
        var lead = current.contract
        lead.stage = String(stage.id)
        lead.updated_at = CRMClock.timestamp(CRMClock.nowMicroseconds())
        try host.publish("lead.stage_changed", data: StageChange(lead: lead, from: from, to: lead.stage),
                         conversationID: CRMArguments.conversationID(context))
        try rememberStage(lead.stage, of: number)
        return MoveLeadOutput(lead: lead, from: from, changed: true)
    }

    func listLeads(_ input: ListLeadsInput, context: CallContext) throws -> ListLeadsOutput {
        let limit = try CRMArguments.pageSize(input.limit, maximum: 100, default: 20)
        let page = try Self.page(of: input.cursor)
        var query = ["with=contacts", "limit=\(limit)", "page=\(page)", "order[created_at]=desc"]
        let pipelines = try pipelineCache.pipelines(api, context: context)
        let pipeline = try input.pipeline.map { try pipelines.pipeline($0) }
        if let stage = input.stage {
            // A stage id is one pipeline's, except won and lost (142, 143), which every pipeline has.
            let candidates = pipeline.map { [$0] } ?? pipelines.pipelines
            let matches = candidates.compactMap { candidate in (try? pipelines.stage(stage, in: candidate)).map { (candidate, $0) } }
            guard !matches.isEmpty else {
                _ = try pipelines.stage(stage, in: candidates.first ?? pipelines.pipeline(nil))
                return ListLeadsOutput(leads: [], next_cursor: nil)
            }
            for (index, match) in matches.enumerated() {
                query.append("filter[statuses][\(index)][pipeline_id]=\(match.0.id)")
                query.append("filter[statuses][\(index)][status_id]=\(match.1.id)")
            }
        } else if let pipeline {
            query.append("filter[pipeline_id][]=\(pipeline.id)")
        }
        if let contact = input.contact_id {
            // amoCRM filters leads by id, not by contact: the contact's leads are read first.
            guard let number = Int(contact), let linked = try api.contact("/api/v4/contacts/\(number)?with=leads", context: context) else {
                throw PluginError(.notFound, "there is no contact '\(contact.prefix(64))'; find it with find_contact")
            }
            let leads = linked._embedded?.leads ?? []
            guard !leads.isEmpty else { return ListLeadsOutput(leads: [], next_cursor: nil) }
            query += leads.prefix(500).map { "filter[id][]=\($0.id)" }
        }
        let found = try api.get(AmoList<AmoLead>.self, "/api/v4/leads?" + query.joined(separator: "&"), context: context)
        return ListLeadsOutput(leads: (found?.items ?? []).map(\.contract), next_cursor: found?.hasNext == true ? "page:\(page + 1)" : nil)
    }

    func lead(_ id: Int, context: CallContext) throws -> Lead {
        guard let lead = try api.get(AmoLead.self, "/api/v4/leads/\(id)?with=contacts", context: context) else {
            throw PluginError(.notFound, "there is no lead '\(id)'; list_leads shows the leads")
        }
        return lead.contract
    }

    /// amoCRM keeps whole amounts.
    static func wholePrice(_ price: Double) throws -> Int {
        guard price.isFinite, price >= 0, price <= 1e15, price == price.rounded() else {
            throw PluginError(.invalidArgument, "'price' \(price) is not a whole amount of 0 or more; amoCRM keeps whole amounts, e.g. 1500")
        }
        return Int(price)
    }

    static func page(of cursor: String?) throws -> Int {
        guard let cursor else { return 1 }
        guard cursor.hasPrefix("page:"), let page = Int(cursor.dropFirst(5)), page >= 1 else {
            throw PluginError(.invalidArgument, "'cursor' is not a next_cursor of list_leads; pass one unchanged, or leave it out for the first page")
        }
        return page
    }
}

private struct ComplexLead: Encodable {
    struct Embedded: Encodable {
        struct Reference: Encodable {
            let id: Int
        }

        let contacts: [Reference]
    }

    let name: String
    let price: Int?
    let pipeline_id: Int
    let status_id: Int
    let _embedded: Embedded?
}

/// One lead made by `POST /api/v4/leads/complex`.
private struct ComplexAnswer: Decodable {
    let id: Int
}

private struct StageMove: Encodable {
    let status_id: Int
    let pipeline_id: Int
}

import Foundation
import CRMKit
import PluginKit

/// create_lead, move_lead and list_leads: leads move through their pipeline's stages, and
/// list newest first.
extension CRMPlugin {
    func createLead(_ input: CreateLeadInput, context: CallContext) throws -> LeadOutput {
        let title = try input.checkedTitle()
        let pipeline = try settings.pipeline(input.pipeline)
        let stage = try input.stage.map { try settings.stage($0, in: pipeline) } ?? pipeline.stages[0]
        var contactIDs: [String] = []
        for id in input.allContactIDs {
            guard try host.document(Contact.self, in: "contacts", id: id) != nil else {
                throw PluginError(.notFound, "there is no contact '\(id.prefix(64))'; find it with find_contact or make it with upsert_contact")
            }
            contactIDs.append(id)
        }
        let now = CRMClock.nowMicroseconds()
        let lead = Lead(id: CRMClock.id("ld", now), title: title, price: input.price, pipeline: pipeline.id, stage: stage,
                        contact_ids: contactIDs, created_at: CRMClock.timestamp(now), updated_at: CRMClock.timestamp(now))
        try host.putDocument(lead, in: "leads", id: lead.id)
        try publish("lead.created", LeadOutput(lead: lead), context: context)
        return LeadOutput(lead: lead)
    }

    func moveLead(_ input: MoveLeadInput, context: CallContext) throws -> MoveLeadOutput {
        guard var lead = try host.document(Lead.self, in: "leads", id: input.lead_id) else {
            throw PluginError(.notFound, "there is no lead '\(input.lead_id.prefix(64))'; list_leads shows the leads")
        }
        let stage = try settings.stage(input.stage, in: try settings.pipeline(lead.pipeline))
        let from = lead.stage
        guard stage != from else { return MoveLeadOutput(lead: lead, from: from, changed: false) }
        lead.stage = stage
        lead.updated_at = CRMClock.timestamp(CRMClock.nowMicroseconds())
        try host.putDocument(lead, in: "leads", id: lead.id)
        try publish("lead.stage_changed", StageChange(lead: lead, from: from, to: stage), context: context)
        return MoveLeadOutput(lead: lead, from: from, changed: true)
    }

    func listLeads(_ input: ListLeadsInput, context: CallContext) throws -> ListLeadsOutput {
        let limit = try CRMArguments.pageSize(input.limit, maximum: 100, default: 20)
        if let stage = input.stage {
            // A stage alone is checked against every pipeline that has it.
            let pipelines = try input.pipeline.map { [try settings.pipeline($0)] } ?? settings.pipelines
            guard pipelines.contains(where: { $0.stages.contains(stage) }) else {
                _ = try settings.stage(stage, in: pipelines[0])
                return ListLeadsOutput(leads: [], next_cursor: nil)
            }
        } else if let pipeline = input.pipeline {
            _ = try settings.pipeline(pipeline)
        }
        let filter = LeadFilter(pipeline: input.pipeline, stage: input.stage, contact_ids: input.contact_id.map { [$0] })
        let page: DocumentsPage<Lead>
        do {
            page = try host.queryDocuments(Lead.self, in: "leads", where: filter, orderBy: "created_at", descending: true,
                                           limit: limit, cursor: input.cursor)
        } catch let error as PluginError where error.status == .invalidArgument && input.cursor != nil {
            throw PluginError(.invalidArgument, "'cursor' is not a next_cursor of list_leads; pass one unchanged, or leave it out for the first page")
        }
        return ListLeadsOutput(leads: page.documents.map(\.document), next_cursor: page.nextCursor)
    }
}

/// Leads whose fields equal the given ones; nil fields are left out of the query.
struct LeadFilter: Encodable {
    let pipeline: String?
    let stage: String?
    let contact_ids: [String]?
}

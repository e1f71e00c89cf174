import CRMKit
import Foundation
import PluginKit

/// create_lead, move_lead and list_leads: a lead is a HubSpot deal (`dealname`, `amount`,
/// `pipeline`, `dealstage`) with its deal→contact associations.
extension HubSpotPlugin {
    static let dealProperties = ["dealname", "amount", "pipeline", "dealstage", "createdate", "hs_lastmodifieddate"]

    func createLead(_ input: CreateLeadInput, context: CallContext) throws -> LeadOutput {
        let title = try input.checkedTitle()
        let pipeline = try pipelines.pipelines(client, context: context).pipeline(input.pipeline)
        let stage = try input.stage.map { try pipeline.stage($0) } ?? pipeline.orderedStages.first
        guard let stage else { throw PluginError(.upstream, "HubSpot's pipeline '\(pipeline.id)' has no stages") }
        let contactIDs = input.allContactIDs
        try requireContacts(contactIDs, context: context)
        var properties = ["dealname": title, "pipeline": pipeline.id, "dealstage": stage.id]
        if let price = input.price { properties["amount"] = Self.amount(price) }
        let associations = contactIDs.map { NewAssociation(to: $0, typeID: AssociationTypes.dealToContact) }
        let created = try client.send(HubSpotObject.self, "POST", "/crm/v3/objects/deals",
                                      ObjectInput(properties: properties, associations: associations.isEmpty ? nil : associations), context: context)
        // Read back with the associations, which a create does not answer.
        let lead = try readLead(created.id, context: context)
        remember(.leadCreated(lead.id))
        remember(.stage(lead.id, lead.stage))
        try publish("lead.created", LeadOutput(lead: lead), context: context)
        return LeadOutput(lead: lead)
    }

    func moveLead(_ input: MoveLeadInput, context: CallContext) throws -> MoveLeadOutput {
        let current = try readLead(input.lead_id, context: context)
        let pipeline = try pipelines.pipelines(client, context: context).pipeline(current.pipeline)
        let stage = try pipeline.stage(input.stage).id
        guard stage != current.stage else { return MoveLeadOutput(lead: current, from: current.stage, changed: false) }
        let updated = try client.send(HubSpotObject.self, "PATCH", "/crm/v3/objects/deals/\(percentEncoded(current.id))",
                                      ObjectInput(properties: ["dealstage": stage]), context: context)
        var lead = Self.lead(updated, contactIDs: current.contact_ids)
        if lead.pipeline.isEmpty { lead.pipeline = current.pipeline }
        remember(.stage(lead.id, stage))
        try publish("lead.stage_changed", StageChange(lead: lead, from: current.stage, to: stage), context: context)
        return MoveLeadOutput(lead: lead, from: current.stage, changed: true)
    }

    func listLeads(_ input: ListLeadsInput, context: CallContext) throws -> ListLeadsOutput {
        let limit = try CRMArguments.pageSize(input.limit, maximum: 100, default: 20)
        var filters: [SearchRequest.Filter] = []
        if input.pipeline != nil || input.stage != nil {
            let all = try pipelines.pipelines(client, context: context)
            var pipelineID: String?
            if let name = input.pipeline {
                let pipeline = try all.pipeline(name)
                pipelineID = pipeline.id
                filters.append(.equals("pipeline", pipeline.id))
            }
            if let name = input.stage {
                // A stage alone is looked for in every pipeline; HubSpot's stage ids are unique in the account.
                let candidates = try pipelineID.map { [try all.pipeline($0)] } ?? all
                guard let stage = candidates.lazy.compactMap({ try? $0.stage(name) }).first else {
                    _ = try candidates[0].stage(name)
                    return ListLeadsOutput(leads: [], next_cursor: nil)
                }
                filters.append(.equals("dealstage", stage.id))
            }
        }
        if let contact = input.contact_id { filters.append(.equals("associations.contact", contact)) }
        let request = SearchRequest(filterGroups: filters.isEmpty ? [] : [SearchRequest.Group(filters: filters)],
                                    sorts: [.init(propertyName: "createdate", direction: "DESCENDING")],
                                    properties: Self.dealProperties, limit: limit, after: input.cursor)
        let page: SearchPage
        do {
            page = try client.send(SearchPage.self, "POST", "/crm/v3/objects/deals/search", request, search: true, context: context)
        } catch let error as PluginError where error.status == .invalidArgument && input.cursor != nil {
            throw PluginError(.invalidArgument, "'cursor' is not a next_cursor of list_leads; pass one unchanged, or leave it out for the first page (\(error.message))")
        }
        let contacts = try contactIDs(of: page.results.map(\.id), context: context)
        return ListLeadsOutput(leads: page.results.map { Self.lead($0, contactIDs: contacts[$0.id] ?? []) }, next_cursor: page.paging?.next?.after)
    }

    /// The deal `id` with its contacts.
    func readLead(_ id: String, context: CallContext, history: Bool = false) throws -> Lead {
        try Self.lead(readDeal(id, context: context, history: history))
    }

    func readDeal(_ id: String, context: CallContext, history: Bool = false) throws -> HubSpotObject {
        let path = "/crm/v3/objects/deals/\(percentEncoded(id))?properties=\(Self.dealProperties.joined(separator: ","))&associations=contacts"
            + (history ? "&propertiesWithHistory=dealstage" : "")
        do {
            return try client.get(HubSpotObject.self, path, context: context)
        } catch let error as PluginError where error.status == .notFound {
            throw PluginError(.notFound, "there is no lead '\(id.prefix(64))' in HubSpot; list_leads shows the leads")
        }
    }

    static func lead(_ deal: HubSpotObject) -> Lead {
        lead(deal, contactIDs: deal.associated("contacts"))
    }

    static func lead(_ deal: HubSpotObject, contactIDs: [String]) -> Lead {
        Lead(id: deal.id, title: deal.property("dealname") ?? "", price: deal.property("amount").flatMap(Double.init),
             pipeline: deal.property("pipeline") ?? "", stage: deal.property("dealstage") ?? "", contact_ids: contactIDs,
             created_at: RecordTime.contract(deal.createdAt ?? deal.property("createdate")),
             updated_at: RecordTime.contract(deal.updatedAt ?? deal.property("hs_lastmodifieddate")))
    }

    /// An amount as HubSpot's number property takes it: no exponent, no trailing ".0".
    static func amount(_ price: Double) -> String {
        if price == price.rounded(), abs(price) < 1e15 { return String(Int64(price)) }
        return String(format: "%.6f", price).replacingOccurrences(of: "0+$", with: "", options: .regularExpression)
    }

    /// Each deal's contacts, in one request (search answers carry no associations).
    private func contactIDs(of deals: [String], context: CallContext) throws -> [String: [String]] {
        guard !deals.isEmpty else { return [:] }
        let answer = try client.send(AssociationBatchAnswer.self, "POST", "/crm/v4/associations/deals/contacts/batch/read",
                                     AssociationBatchRead(inputs: deals.map { .init(id: $0) }), context: context)
        var ids: [String: [String]] = [:]
        for result in answer.results { ids[result.from.id, default: []] += result.to.map { String($0.toObjectId) } }
        return ids
    }

    /// Throws `.notFound` naming the first of `ids` that is no contact.
    private func requireContacts(_ ids: [String], context: CallContext) throws {
        guard !ids.isEmpty else { return }
        // HubSpot answers 207 with the contacts it found (and errors for the others).
        var known = Set<String>()
        do {
            known = Set(try client.send(BatchResults.self, "POST", "/crm/v3/objects/contacts/batch/read",
                                        BatchRead(inputs: ids.map { .init(id: $0) }, properties: ["hs_object_id"]), context: context).results.map(\.id))
        } catch let error as PluginError where error.status == .notFound {}
        if let missing = ids.first(where: { !known.contains($0) }) {
            throw PluginError(.notFound, "there is no contact '\(missing.prefix(64))'; find it with find_contact or make it with upsert_contact")
        }
    }
}

import CRMKit
import Foundation
import PluginKit

/// create_lead, move_lead and list_leads on deals (or leads, per the `entity` setting). A lead
/// is read with its contacts (`crm.<entity>.contact.items.get`) in the same batch.
extension Bitrix24Plugin {
    func createLead(_ input: CreateLeadInput, context: CallContext) throws -> LeadOutput {
        let title = try input.checkedTitle()
        let client = try client(context)
        let entity = settings.entity
        let (pipeline, stage) = try pipelines.resolve(pipeline: input.pipeline, stage: input.stage, client: client, context: context)
        let contactIDs = input.allContactIDs
        for id in contactIDs where !BitrixRecords.isID(id) { throw Self.noContact(id) }
        var fields: [String: BitrixValue] = ["TITLE": .string(title), entity.stageField: .string(stage)]
        if entity == .deal { fields["CATEGORY_ID"] = .string(pipeline) }
        if let price = input.price { fields["OPPORTUNITY"] = .double(price) }
        if !contactIDs.isEmpty { fields["CONTACT_IDS"] = .array(contactIDs.map { .string($0) }) }
        // The contacts are read first, so a wrong id stops the batch before anything is made.
        let checks = contactIDs.enumerated().map { Bitrix24Client.Command("x\($0)", "crm.contact.get", [("id", .string($1))]) }
        let answer = try client.batch(checks + [.init("add", "\(entity.methods).add", [("fields", .object(fields))])] + leadReads("$result[add]"),
                                      halt: true, context: context)
        for (index, id) in contactIDs.enumerated() {
            if let refusal = answer.failed("x\(index)") { throw refusal.isNotFound ? Self.noContact(id) : client.failure(of: "crm.contact.get", refusal) }
        }
        _ = try answer.result("add", method: "\(entity.methods).add", client: client)
        let lead = try lead(from: answer, client: client)
        // Remembered so that Bitrix24's add and update events for it publish nothing twice.
        try? host.kvPut(InboundEvents.stageKey(lead: lead.id, entity: entity), Array(lead.stage.utf8))
        try publish("lead.created", LeadOutput(lead: lead), context: context)
        return LeadOutput(lead: lead)
    }

    func moveLead(_ input: MoveLeadInput, context: CallContext) throws -> MoveLeadOutput {
        let client = try client(context)
        let current = try readLead(input.lead_id, client: client, context: context)
        let stages = try pipelines.stages(of: current.pipeline, client: client, context: context)
        let stage = try Pipelines.match(input.stage, in: stages, pipeline: current.pipeline)
        guard stage != current.stage else { return MoveLeadOutput(lead: current, from: current.stage, changed: false) }
        let entity = settings.entity
        let answer = try client.batch([.init("update", "\(entity.methods).update",
                                             [("id", .string(current.id)), ("fields", .object([entity.stageField: .string(stage)]))])]
                                      + leadReads(current.id), halt: true, context: context)
        _ = try answer.result("update", method: "\(entity.methods).update", client: client)
        let lead = try lead(from: answer, client: client)
        try? host.kvPut(InboundEvents.stageKey(lead: lead.id, entity: entity), Array(lead.stage.utf8))
        try publish("lead.stage_changed", StageChange(lead: lead, from: current.stage, to: lead.stage), context: context)
        return MoveLeadOutput(lead: lead, from: current.stage, changed: true)
    }

    func listLeads(_ input: ListLeadsInput, context: CallContext) throws -> ListLeadsOutput {
        let limit = try CRMArguments.pageSize(input.limit, maximum: 100, default: 20)
        let offset = try input.cursor.map(ListCursor.offset) ?? 0
        let client = try client(context)
        let entity = settings.entity
        var filter: [String: BitrixValue] = [:]
        if input.pipeline != nil || input.stage != nil {
            let pipeline = try pipelines.resolve(pipeline: input.pipeline, stage: nil, client: client, context: context).pipeline
            if entity == .deal { filter["CATEGORY_ID"] = .string(pipeline) }
            if let stage = input.stage {
                filter[entity.stageField] = .string(try Pipelines.match(stage, in: try pipelines.stages(of: pipeline, client: client, context: context), pipeline: pipeline))
            }
        }
        if let contact = input.contact_id {
            guard BitrixRecords.isID(contact) else { return ListLeadsOutput(leads: [], next_cursor: nil) }
            filter["CONTACT_ID"] = .string(contact)
        }
        // Bitrix24 pages by 50 from a multiple of 50: read the pages that hold offset..<offset+limit.
        let firstPage = offset / 50 * 50
        let pages = Array(stride(from: firstPage, to: offset + limit, by: 50))
        let select: [BitrixValue] = ["ID", "TITLE", "OPPORTUNITY", "CATEGORY_ID", entity.stageField, "CONTACT_ID", "DATE_CREATE", "DATE_MODIFY"].map { .string($0) }
        let answer = try client.batch(pages.enumerated().map { index, start in
            .init("p\(index)", "\(entity.methods).list", [("filter", .object(filter)), ("order", .object(["ID": .string("DESC")])),
                                                           ("select", .array(select)), ("start", .int(start))])
        }, halt: false, context: context)
        var rows: [BitrixValue] = []
        var total = 0
        for index in pages.indices {
            rows += try answer.result("p\(index)", method: "\(entity.methods).list", client: client).items
            total = max(total, answer.totals["p\(index)"]?.number.map { Int($0) } ?? 0)
        }
        let page = Array(rows.dropFirst(offset - firstPage).prefix(limit))
        let contacts = try contactItems(of: page.compactMap { $0["ID"]?.text }, client: client, context: context)
        let leads = page.map { BitrixRecords.lead($0, contactItems: $0["ID"]?.text.flatMap { contacts[$0] }, entity: entity) }
        let next = offset + page.count
        return ListLeadsOutput(leads: leads, next_cursor: page.count == limit && next < total ? ListCursor.cursor(next) : nil)
    }

    /// The lead `id`, with its contacts; NOT_FOUND naming the fix when there is none.
    func readLead(_ id: String, client: Bitrix24Client, context: CallContext?) throws -> Lead {
        guard BitrixRecords.isID(id) else { throw Self.noLead(id) }
        let answer = try client.batch(leadReads(id), halt: false, context: context)
        if let refusal = answer.failed("lead"), refusal.isNotFound { throw Self.noLead(id) }
        return try lead(from: answer, client: client)
    }

    /// Reads the lead `id` (`lead`) and its contacts (`contacts`).
    func leadReads(_ id: String) -> [Bitrix24Client.Command] {
        [.init("lead", "\(settings.entity.methods).get", [("id", .string(id))]),
         .init("contacts", "\(settings.entity.methods).contact.items.get", [("id", .string(id))])]
    }

    func lead(from answer: Bitrix24Client.BatchAnswer, client: Bitrix24Client) throws -> Lead {
        BitrixRecords.lead(try answer.result("lead", method: "\(settings.entity.methods).get", client: client),
                           contactItems: answer.results["contacts"], entity: settings.entity)
    }

    /// The contacts of each lead in `ids`, 50 leads per request.
    private func contactItems(of ids: [String], client: Bitrix24Client, context: CallContext) throws -> [String: BitrixValue] {
        var items: [String: BitrixValue] = [:]
        for start in stride(from: 0, to: ids.count, by: Bitrix24Client.batchLimit) {
            let chunk = Array(ids[start..<min(ids.count, start + Bitrix24Client.batchLimit)])
            let answer = try client.batch(chunk.enumerated().map { .init("i\($0)", "\(settings.entity.methods).contact.items.get", [("id", .string($1))]) },
                                          halt: false, context: context)
            for (index, id) in chunk.enumerated() { items[id] = answer.results["i\(index)"] }
        }
        return items
    }

    static func noLead(_ id: String) -> PluginError {
        PluginError(.notFound, "there is no lead '\(id.prefix(64))'; find it with list_leads or make it with create_lead")
    }

    static func noContact(_ id: String) -> PluginError {
        PluginError(.notFound, "there is no contact '\(id.prefix(64))'; find it with find_contact or make it with upsert_contact")
    }
}

/// list_leads' cursor: the offset of the next page in Bitrix24's list, opaque to callers.
enum ListCursor {
    private static let prefix = "b24:"

    static func cursor(_ offset: Int) -> String {
        Data((prefix + String(offset)).utf8).base64EncodedString()
    }

    static func offset(_ cursor: String) throws -> Int {
        guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8), text.hasPrefix(prefix),
              let offset = Int(text.dropFirst(prefix.count)), (1...10_000_000).contains(offset) else {
            throw PluginError(.invalidArgument, "'cursor' is not a next_cursor of list_leads; pass one unchanged, or leave it out for the first page")
        }
        return offset
    }
}

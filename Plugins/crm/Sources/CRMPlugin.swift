import Foundation
import PluginKit

/// The built-in CRM: contacts deduplicated by phone and e-mail, companies, leads in pipelines
/// of stages, notes and tasks, in the host's document store (`market.documents/1`). Its tools
/// and events are the contract every CRM plugin shares (docs/crm.md).
final class CRMPlugin: ToolPlugin {
    static let id = "crm"
    static let version = "1.0.0"

    let host: PluginHost
    let settings: CRMSettings

    init(host: PluginHost, config: PluginConfig) throws {
        self.host = host
        settings = try CRMSettings(config)
    }

    var tools: [Tool] {
        [
            Tool("find_contact", description: "Find contacts by phone (any spelling), e-mail, or a part of the name.",
                 inputSchema: ToolSchemas.findContact) { (input: FindContactInput, _) in try self.findContact(input) },
            Tool("upsert_contact", description: "Create a contact, or merge into the one with the same phone or e-mail; returns its id and whether it merged.",
                 inputSchema: ToolSchemas.upsertContact) { (input: UpsertContactInput, context) in try self.upsertContact(input, context: context) },
            Tool("create_lead", description: "Create a lead (deal) with a title, optional price, pipeline, stage and contacts.",
                 inputSchema: ToolSchemas.createLead) { (input: CreateLeadInput, context) in try self.createLead(input, context: context) },
            Tool("move_lead", description: "Move a lead to another stage of its pipeline.",
                 inputSchema: ToolSchemas.moveLead) { (input: MoveLeadInput, context) in try self.moveLead(input, context: context) },
            Tool("add_note", description: "Attach a note to a contact or a lead.",
                 inputSchema: ToolSchemas.addNote) { (input: AddNoteInput, _) in try self.addNote(input) },
            Tool("add_task", description: "Attach a task with an optional due time to a contact or a lead.",
                 inputSchema: ToolSchemas.addTask) { (input: AddTaskInput, _) in try self.addTask(input) },
            Tool("list_leads", description: "List leads newest first, by pipeline, stage or contact, a page at a time.",
                 inputSchema: ToolSchemas.listLeads) { (input: ListLeadsInput, _) in try self.listLeads(input) },
        ]
    }

    /// Publishes `type` for the conversation the call came from, if any.
    func publish(_ type: String, _ data: some Encodable, context: CallContext) throws {
        try host.publish(type, data: data, conversationID: Self.conversationID(context))
    }

    func pageSize(_ limit: Int?, maximum: Int, default fallback: Int) throws -> Int {
        guard let limit else { return fallback }
        guard (1...maximum).contains(limit) else { throw PluginError(.invalidArgument, "'limit' must be from 1 to \(maximum)") }
        return limit
    }

    private struct CallFor: Decodable {
        let conversation_id: String?
    }

    static func conversationID(_ context: CallContext) -> String? {
        (try? JSONDecoder().decode(CallFor.self, from: Data(context.contextJSON.utf8)))?.conversation_id
    }
}

@_cdecl("mk_plugin_entry_v1")
public func entry(_ abi: UInt32) -> UnsafeRawPointer? { export(CRMPlugin.self, hostABI: abi) }

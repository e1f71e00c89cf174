import PluginKit

/// The seven tools of docs/crm.md. A CRM plugin implements them against its CRM and lists
/// `crmTools`, so every CRM offers the same names, descriptions and input schemas and a system
/// prompt written for one works with any.
public protocol CRMTools: AnyObject {
    func findContact(_ input: FindContactInput, context: CallContext) throws -> ContactsOutput
    func upsertContact(_ input: UpsertContactInput, context: CallContext) throws -> UpsertContactOutput
    func createLead(_ input: CreateLeadInput, context: CallContext) throws -> LeadOutput
    func moveLead(_ input: MoveLeadInput, context: CallContext) throws -> MoveLeadOutput
    func addNote(_ input: AddNoteInput, context: CallContext) throws -> NoteOutput
    func addTask(_ input: AddTaskInput, context: CallContext) throws -> TaskOutput
    func listLeads(_ input: ListLeadsInput, context: CallContext) throws -> ListLeadsOutput
}

extension CRMTools {
    public var crmTools: [Tool] {
        [
            Tool("find_contact", description: "Find contacts by phone (any spelling), e-mail, or a part of the name.",
                 inputSchema: CRMToolSchemas.findContact) { (input: FindContactInput, context) in try self.findContact(input, context: context) },
            Tool("upsert_contact", description: "Create a contact, or merge into the one with the same phone or e-mail; returns its id and whether it merged.",
                 inputSchema: CRMToolSchemas.upsertContact) { (input: UpsertContactInput, context) in try self.upsertContact(input, context: context) },
            Tool("create_lead", description: "Create a lead (deal) with a title, optional price, pipeline, stage and contacts.",
                 inputSchema: CRMToolSchemas.createLead) { (input: CreateLeadInput, context) in try self.createLead(input, context: context) },
            Tool("move_lead", description: "Move a lead to another stage of its pipeline.",
                 inputSchema: CRMToolSchemas.moveLead) { (input: MoveLeadInput, context) in try self.moveLead(input, context: context) },
            Tool("add_note", description: "Attach a note to a contact or a lead.",
                 inputSchema: CRMToolSchemas.addNote) { (input: AddNoteInput, context) in try self.addNote(input, context: context) },
            Tool("add_task", description: "Attach a task with an optional due time to a contact or a lead.",
                 inputSchema: CRMToolSchemas.addTask) { (input: AddTaskInput, context) in try self.addTask(input, context: context) },
            Tool("list_leads", description: "List leads newest first, by pipeline, stage or contact, a page at a time.",
                 inputSchema: CRMToolSchemas.listLeads) { (input: ListLeadsInput, context) in try self.listLeads(input, context: context) },
        ]
    }
}

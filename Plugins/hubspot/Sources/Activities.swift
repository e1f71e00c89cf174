import CRMKit
import Foundation
import PluginKit

/// add_note and add_task: a HubSpot note (`hs_note_body`) or task (`hs_task_body`,
/// `hs_task_subject`, `hs_task_status`) associated with the contact or deal, timed by
/// `hs_timestamp` (a note's time; a task's due time).
extension HubSpotPlugin {
    func addNote(_ input: AddNoteInput, context: CallContext) throws -> NoteOutput {
        let text = try CRMArguments.activityText(input.text, of: "add_note")
        let typeID = input.entity_type == .contact ? AssociationTypes.noteToContact : AssociationTypes.noteToDeal
        let properties = ["hs_note_body": text, "hs_timestamp": RecordTime.hubSpot(Date())]
        let created = try createActivity("notes", properties, on: input.entity_type, input.entity_id, typeID: typeID, context: context)
        return NoteOutput(note: Note(id: created.id, entity_type: input.entity_type, entity_id: input.entity_id, text: text,
                                     created_at: RecordTime.contract(created.createdAt ?? created.property("hs_createdate"))))
    }

    func addTask(_ input: AddTaskInput, context: CallContext) throws -> TaskOutput {
        let text = try CRMArguments.activityText(input.text, of: "add_task")
        let due = try input.due_at.map(CRMClock.dueDate)
        let typeID = input.entity_type == .contact ? AssociationTypes.taskToContact : AssociationTypes.taskToDeal
        // HubSpot needs a due time: a task without one is due when it is made.
        let subject = String((text.split(separator: "\n").first.map(String.init) ?? text).prefix(200))
        let properties = ["hs_task_body": text, "hs_task_subject": subject, "hs_task_status": "NOT_STARTED",
                          "hs_timestamp": RecordTime.hubSpot(due ?? Date())]
        let created = try createActivity("tasks", properties, on: input.entity_type, input.entity_id, typeID: typeID, context: context)
        return TaskOutput(task: CRMTask(id: created.id, entity_type: input.entity_type, entity_id: input.entity_id, text: text,
                                        due_at: due.map { RecordTime.contract(RecordTime.hubSpot($0)) },
                                        done: created.property("hs_task_status") == "COMPLETED",
                                        created_at: RecordTime.contract(created.createdAt ?? created.property("hs_createdate"))))
    }

    /// Creates the note or task with its association in one request. HubSpot refuses an
    /// association with an object that does not exist (HTTP 400 or 404); only then is the object
    /// looked up, to say which one is missing.
    private func createActivity(_ kind: String, _ properties: [String: String], on type: EntityType, _ id: String, typeID: Int,
                                context: CallContext) throws -> HubSpotObject {
        do {
            return try client.send(HubSpotObject.self, "POST", "/crm/v3/objects/\(kind)",
                                   ObjectInput(properties: properties, associations: [NewAssociation(to: id, typeID: typeID)]), context: context)
        } catch let error as PluginError where error.status == .invalidArgument || error.status == .notFound {
            switch type {
            case .contact: _ = try readObject(id, context: context)
            case .lead: _ = try readDeal(id, context: context)
            }
            throw error
        }
    }
}

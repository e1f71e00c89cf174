import CRMKit
import Foundation
import PluginKit

/// add_note and add_task: amoCRM's common notes and tasks on a contact or a lead that exists.
extension AmoCRMPlugin {
    func addNote(_ input: AddNoteInput, context: CallContext) throws -> NoteOutput {
        let text = try CRMArguments.activityText(input.text, of: "add_note")
        let id = try existing(input.entity_type, input.entity_id, context: context)
        let added = try api.send("POST", "/api/v4/\(input.entity_type.amoEntity)/notes",
                                 [NewNote(entity_id: id, note_type: "common", params: .init(text: text))], as: AmoAdded.self, context: context)
        guard let note = added.items.first?.id else { throw PluginError(.upstream, "amoCRM added the note but answered no id") }
        return NoteOutput(note: Note(id: String(note), entity_type: input.entity_type, entity_id: String(id), text: text,
                                     created_at: CRMClock.timestamp(CRMClock.nowMicroseconds())))
    }

    func addTask(_ input: AddTaskInput, context: CallContext) throws -> TaskOutput {
        let text = try CRMArguments.activityText(input.text, of: "add_task")
        // amoCRM needs a due time; without one the task is due a day (default_task_hours) later.
        let due = try input.due_at.map { Int64(try CRMClock.dueDate($0).timeIntervalSince1970) }
            ?? Int64(Date().timeIntervalSince1970) + Int64(settings.defaultTaskHours) * 3_600
        let id = try existing(input.entity_type, input.entity_id, context: context)
        let added = try api.send("POST", "/api/v4/tasks", [NewTask(text: text, complete_till: due, entity_id: id, entity_type: input.entity_type.amoEntity,
                                                                   task_type_id: 1)], as: AmoAdded.self, context: context)
        guard let task = added.items.first?.id else { throw PluginError(.upstream, "amoCRM added the task but answered no id") }
        return TaskOutput(task: CRMTask(id: String(task), entity_type: input.entity_type, entity_id: String(id), text: text,
                                        due_at: CRMClock.timestamp(unixSeconds: due), done: false,
                                        created_at: CRMClock.timestamp(CRMClock.nowMicroseconds())))
    }

    /// The amoCRM id of a contact or lead that exists; else `NOT_FOUND` naming how to find one.
    private func existing(_ type: EntityType, _ id: String, context: CallContext) throws -> Int {
        guard let number = Int(id), number > 0,
              try api.call("GET", "/api/v4/\(type.amoEntity)/\(number)", context: context) != nil else {
            let finder = type == .contact ? "find_contact" : "list_leads"
            throw PluginError(.notFound, "there is no \(type.rawValue) '\(id.prefix(64))'; \(finder) shows them")
        }
        return number
    }
}

extension EntityType {
    /// amoCRM's name of the entity in paths and `entity_type`.
    var amoEntity: String { self == .contact ? "contacts" : "leads" }
}

private struct NewNote: Encodable {
    struct Params: Encodable {
        let text: String
    }

    let entity_id: Int
    let note_type: String
    let params: Params
}

private struct NewTask: Encodable {
    let text: String
    let complete_till: Int64
    let entity_id: Int
    let entity_type: String
    let task_type_id: Int
}

import Foundation
import CRMKit
import PluginKit

/// add_note and add_task: text attached to a contact or a lead that exists.
extension CRMPlugin {
    func addNote(_ input: AddNoteInput, context: CallContext) throws -> NoteOutput {
        let text = try CRMArguments.activityText(input.text, of: "add_note")
        try requireEntity(input.entity_type, input.entity_id)
        let now = CRMClock.nowMicroseconds()
        let note = Note(id: CRMClock.id("nt", now), entity_type: input.entity_type, entity_id: input.entity_id, text: text,
                        created_at: CRMClock.timestamp(now))
        try host.putDocument(note, in: "notes", id: note.id)
        return NoteOutput(note: note)
    }

    func addTask(_ input: AddTaskInput, context: CallContext) throws -> TaskOutput {
        let text = try CRMArguments.activityText(input.text, of: "add_task")
        let due = try input.due_at.map(CRMClock.dueTime)
        try requireEntity(input.entity_type, input.entity_id)
        let now = CRMClock.nowMicroseconds()
        let task = CRMTask(id: CRMClock.id("tk", now), entity_type: input.entity_type, entity_id: input.entity_id, text: text,
                           due_at: due, done: false, created_at: CRMClock.timestamp(now))
        try host.putDocument(task, in: "tasks", id: task.id)
        return TaskOutput(task: task)
    }

    private func requireEntity(_ type: EntityType, _ id: String) throws {
        guard try host.document(IDOnly.self, in: type.collection, id: id) != nil else {
            throw PluginError(.notFound, "there is no \(type.rawValue) '\(id.prefix(64))'")
        }
    }
}

private struct IDOnly: Decodable {
    let id: String
}

extension EntityType {
    /// The document collection holding such records.
    var collection: String { self == .contact ? "contacts" : "leads" }
}

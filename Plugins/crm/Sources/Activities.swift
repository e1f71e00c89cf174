import Foundation
import PluginKit

/// add_note and add_task: text attached to a contact or a lead that exists.
extension CRMPlugin {
    struct AddNoteInput: Decodable {
        let entity_type: EntityType
        let entity_id: String
        let text: String
    }

    struct NoteOutput: Encodable {
        let note: Note
    }

    struct AddTaskInput: Decodable {
        let entity_type: EntityType
        let entity_id: String
        let text: String
        let due_at: String?
    }

    struct TaskOutput: Encodable {
        let task: CRMTask
    }

    func addNote(_ input: AddNoteInput) throws -> NoteOutput {
        let text = try activityText(input.text, of: "add_note")
        try requireEntity(input.entity_type, input.entity_id)
        let now = Clock.nowMicroseconds()
        let note = Note(id: Clock.id("nt", now), entity_type: input.entity_type, entity_id: input.entity_id, text: text,
                        created_at: Clock.timestamp(now))
        try host.putDocument(note, in: "notes", id: note.id)
        return NoteOutput(note: note)
    }

    func addTask(_ input: AddTaskInput) throws -> TaskOutput {
        let text = try activityText(input.text, of: "add_task")
        let due = try input.due_at.map(Clock.dueTime)
        try requireEntity(input.entity_type, input.entity_id)
        let now = Clock.nowMicroseconds()
        let task = CRMTask(id: Clock.id("tk", now), entity_type: input.entity_type, entity_id: input.entity_id, text: text,
                           due_at: due, done: false, created_at: Clock.timestamp(now))
        try host.putDocument(task, in: "tasks", id: task.id)
        return TaskOutput(task: task)
    }

    private func activityText(_ raw: String, of tool: String) throws -> String {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= 10_000 else {
            throw PluginError(.invalidArgument, "\(tool) needs a 'text' of 1 to 10000 characters")
        }
        return text
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

import CRMKit
import Foundation
import PluginKit

/// add_note (`crm.timeline.comment.add`) and add_task (`tasks.task.add` bound to the record
/// with UF_CRM_TASK). Each is one batch: the record is read first, so a wrong id stops it
/// before anything is made, and the new item is read back for its times.
extension Bitrix24Plugin {
    func addNote(_ input: AddNoteInput, context: CallContext) throws -> NoteOutput {
        let text = try CRMArguments.activityText(input.text, of: "add_note")
        let client = try client(context)
        let (method, type) = try owner(input.entity_type, input.entity_id)
        let answer = try client.batch([
            .init("owner", method, [("id", .string(input.entity_id))]),
            .init("note", "crm.timeline.comment.add", [("fields", .object(["ENTITY_ID": .string(input.entity_id), "ENTITY_TYPE": .string(type),
                                                                          "COMMENT": .string(text)]))]),
            .init("read", "crm.timeline.comment.get", [("id", .string("$result[note]"))]),
        ], halt: true, context: context)
        try checkOwner(answer, input.entity_type, input.entity_id, method: method, client: client)
        guard let id = try answer.result("note", method: "crm.timeline.comment.add", client: client).text else {
            throw PluginError(.upstream, "Bitrix24 answered crm.timeline.comment.add without an id")
        }
        let created = answer.results["read"]?["CREATED"].map { BitrixRecords.time($0) } ?? CRMClock.timestamp(CRMClock.nowMicroseconds())
        return NoteOutput(note: Note(id: id, entity_type: input.entity_type, entity_id: input.entity_id, text: text, created_at: created))
    }

    func addTask(_ input: AddTaskInput, context: CallContext) throws -> TaskOutput {
        let text = try CRMArguments.activityText(input.text, of: "add_task")
        let due = try input.due_at.map(CRMClock.dueDate)
        let client = try client(context)
        let (method, _) = try owner(input.entity_type, input.entity_id)
        let binding = (input.entity_type == .contact ? "C_" : settings.entity.taskBinding) + input.entity_id
        // The task goes to the configured person, else to whoever is responsible for the record.
        let responsible: BitrixValue = settings.responsibleID.map { .int($0) } ?? .string("$result[owner][ASSIGNED_BY_ID]")
        var fields: [String: BitrixValue] = [
            "TITLE": .string(Self.taskTitle(text)), "DESCRIPTION": .string(text), "RESPONSIBLE_ID": responsible,
            "UF_CRM_TASK": .array([.string(binding)]),
        ]
        if let due { fields["DEADLINE"] = .string(Self.bitrixTime(due)) }
        let answer = try client.batch([
            .init("owner", method, [("id", .string(input.entity_id))]),
            .init("task", "tasks.task.add", [("fields", .object(fields))]),
        ], halt: true, context: context)
        try checkOwner(answer, input.entity_type, input.entity_id, method: method, client: client)
        let task = try answer.result("task", method: "tasks.task.add", client: client)["task"] ?? .null
        guard let id = task["id"]?.text else { throw PluginError(.upstream, "Bitrix24 answered tasks.task.add without a task id") }
        let deadline = task["deadline"].flatMap { $0.text == nil ? nil : BitrixRecords.time($0) }
        return TaskOutput(task: CRMTask(id: id, entity_type: input.entity_type, entity_id: input.entity_id, text: text,
                                        due_at: deadline ?? due.map { CRMClock.timestamp(UInt64(max(0, $0.timeIntervalSince1970 * 1_000_000))) },
                                        done: task["status"]?.text == "5",
                                        created_at: task["createdDate"].map { BitrixRecords.time($0) } ?? CRMClock.timestamp(CRMClock.nowMicroseconds())))
    }

    /// The method that reads the record a note or task goes on, and its timeline type.
    private func owner(_ type: EntityType, _ id: String) throws -> (method: String, timelineType: String) {
        switch type {
        case .contact:
            guard BitrixRecords.isID(id) else { throw Self.noContact(id) }
            return ("crm.contact.get", "contact")
        case .lead:
            guard BitrixRecords.isID(id) else { throw Self.noLead(id) }
            return ("\(settings.entity.methods).get", settings.entity.timelineType)
        }
    }

    private func checkOwner(_ answer: Bitrix24Client.BatchAnswer, _ type: EntityType, _ id: String, method: String, client: Bitrix24Client) throws {
        guard let refusal = answer.failed("owner") else { return }
        guard refusal.isNotFound else { throw client.failure(of: method, refusal) }
        throw type == .contact ? Self.noContact(id) : Self.noLead(id)
    }

    /// A task's title: the text's first line, shortened to Bitrix24's 255 characters.
    static func taskTitle(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        return line.count <= 255 ? line : String(line.prefix(254)) + "…"
    }

    /// A time as Bitrix24 takes it: ISO 8601 with an offset (UTC here).
    static func bitrixTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date).replacingOccurrences(of: "Z", with: "+00:00")
    }
}

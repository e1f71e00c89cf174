import PluginKit

/// Notes: a small Swift plugin that keeps per-tenant notes in the host's key-value store and
/// counts the events it receives.
final class NotesPlugin: ToolPlugin, EventPlugin {
    static let id = "notes"
    static let version = "1.0.0"

    private let host: PluginHost
    private let maxNotes: Int

    struct Config: Decodable {
        var max_notes: Int?
    }

    init(host: PluginHost, config: PluginConfig) throws {
        self.host = host
        maxNotes = try config.decode(Config.self).max_notes ?? 100
    }

    struct AddInput: Decodable { let text: String }
    struct AddOutput: Encodable { let id: Int; let count: Int }
    struct ListOutput: Encodable { let notes: [String] }
    struct NoInput: Decodable {}
    struct EventsOutput: Encodable { let events_seen: Int; let last_type: String? }

    var tools: [Tool] {
        [
            Tool("note_add", description: "Save a short note for later.",
                 inputSchema: #"{"type":"object","properties":{"text":{"type":"string","minLength":1}},"required":["text"]}"#) {
                (input: AddInput, _) in try self.add(input.text)
            },
            Tool("note_list", description: "List the saved notes, oldest first.") { (_: NoInput, _) in
                ListOutput(notes: try self.notes())
            },
            Tool("events_seen", description: "How many events this plugin has received.") { (_: NoInput, _) in
                EventsOutput(events_seen: try self.counter("events/count"),
                             last_type: try self.host.kvGet("events/last-type").map { String(decoding: $0, as: UTF8.self) })
            },
        ]
    }

    func handle(event: Event, context: CallContext) throws -> EventOutcome {
        let seen = try counter("events/count") + 1
        try host.kvPut("events/count", Array(String(seen).utf8))
        try host.kvPut("events/last-type", Array(event.type.utf8))
        host.log(.debug, "event received", fields: ["type": event.type, "id": event.id])
        return .acknowledged
    }

    private func add(_ text: String) throws -> AddOutput {
        let existing = try host.kvKeys(prefix: "note/")
        guard existing.count < maxNotes else {
            throw PluginError(.tooLarge, "there are already \(maxNotes) notes; remove some first")
        }
        let id = try counter("next-id") + 1
        try host.kvPut("next-id", Array(String(id).utf8))
        try host.kvPut("note/" + String(repeating: "0", count: max(0, 8 - String(id).count)) + String(id), Array(text.utf8))
        try host.publish("note.added", data: ["id": id])
        return AddOutput(id: id, count: existing.count + 1)
    }

    private func notes() throws -> [String] {
        try host.kvKeys(prefix: "note/").compactMap { key in try host.kvGet(key).map { String(decoding: $0, as: UTF8.self) } }
    }

    private func counter(_ key: String) throws -> Int {
        try host.kvGet(key).flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
    }
}

@_cdecl("mk_plugin_entry_v1")
public func entry(_ abi: UInt32) -> UnsafeRawPointer? { export(NotesPlugin.self, hostABI: abi) }

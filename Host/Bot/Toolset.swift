import Logging
import MarketCore
import PluginRuntime

/// One tool of a tenant's enabled plugins.
struct ToolEntry: Sendable {
    let name: ToolName
    /// The name the model sees; nil when the mapping refused it (too long): then only the
    /// slash command reaches it.
    let modelName: String?
    let description: String
    let schema: JSONValue
    let instance: PluginInstance

    /// The schema's property names, for /help.
    var argumentNames: [String] {
        if case .object(let properties)? = schema["properties"] { return properties.keys.sorted() }
        return []
    }

    /// The entry of a chat-completions request's `tools`.
    var requestJSON: JSONValue? {
        modelName.map { name in
            .object(["type": .string("function"), "function": .object([
                "name": .string(name), "description": .string(description), "parameters": schema,
            ])])
        }
    }
}

/// The tools one reply may use, by model-facing name and by slash-command name.
struct Toolset: Sendable {
    let entries: [ToolEntry]

    init(_ entries: [ToolEntry], logger: Logger) {
        self.entries = entries
        for entry in entries where entry.modelName == nil {
            logger.warning("tool not offered to the model: its name is too long once mapped", metadata: ["tool": .string(entry.name.description)])
        }
    }

    func forModel(named name: String) -> ToolEntry? {
        guard let decoded = try? ToolName(decoding: name) else { return nil }
        return entries.first { $0.name == decoded && $0.modelName == name }
    }

    /// The tool a slash command names: `tool` when one plugin has it, else `plugin.tool`.
    /// - Throws: `COMMAND_INVALID` naming the choices when the name is ambiguous or unknown.
    func forCommand(_ name: String) throws -> ToolEntry {
        let exact = entries.filter { $0.name.tool == name }
        if exact.count == 1 { return exact[0] }
        if exact.count > 1 {
            throw MarketError(.commandInvalid, "more than one plugin has a tool \(name)",
                              fix: "name the plugin too: " + exact.map { "/\($0.name.plugin).\($0.name.tool)" }.joined(separator: " or "))
        }
        if let dot = name.firstIndex(of: ".") {
            let plugin = String(name[..<dot]), tool = String(name[name.index(after: dot)...])
            if let entry = entries.first(where: { $0.name.plugin == plugin && $0.name.tool == tool }) { return entry }
        }
        throw MarketError(.commandInvalid, "there is no command or tool /\(name)", fix: "send /help to list the commands and tools")
    }

    var requestTools: [JSONValue] { entries.compactMap(\.requestJSON) }
}

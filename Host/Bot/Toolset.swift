import Logging
import MarketCore
import PluginHosting

/// One tool of a tenant's enabled plugins.
struct ToolEntry: Sendable {
    let name: ToolName
    /// The name the model sees; nil when the mapping refused it (too long): then only the
    /// slash command reaches it.
    let modelName: String?
    let description: String
    let schema: JSONValue
    /// The plugin's instance; a call goes to the one serving when it starts.
    let serving: ServingInstance

    /// One argument as /help shows it.
    struct Argument: Sendable, Equatable {
        let name: String
        /// `string`, `integer|null`, or the allowed values `up|down`; `value` when the schema
        /// does not say.
        let type: String
        let required: Bool
    }

    /// The schema's properties, required ones first, each in name order, for /help.
    var arguments: [Argument] {
        guard case .object(let properties)? = schema["properties"] else { return [] }
        func text(_ value: JSONValue) -> String? { if case .string(let text) = value { text } else { nil } }
        let required: Set<String> = if case .array(let names)? = schema["required"] { Set(names.compactMap(text)) } else { [] }
        return properties.map { name, property in
            let type: String = switch (property["enum"], property["type"]) {
            case (.array(let values)?, _): values.map { text($0) ?? $0.jsonText }.joined(separator: "|")
            case (_, .string(let name)?): name
            case (_, .array(let names)?): names.compactMap(text).joined(separator: "|")
            default: "value"
            }
            return Argument(name: name, type: type, required: required.contains(name))
        }.sorted { ($0.required ? 0 : 1, $0.name) < ($1.required ? 0 : 1, $1.name) }
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

/// An enabled plugin the bot cannot use right now, and why in words safe for any user (the
/// error's code; the details are in the log).
struct UnavailablePlugin: Sendable {
    let id: String
    let reason: String
    /// The tools its manifest lists, so a command naming one is answered with the reason.
    let tools: [String]
}

/// The tools one reply may use, by model-facing name and by slash-command name.
struct Toolset: Sendable {
    let entries: [ToolEntry]
    let unavailable: [UnavailablePlugin]

    init(_ entries: [ToolEntry], unavailable: [UnavailablePlugin] = [], logger: Logger) {
        self.entries = entries
        self.unavailable = unavailable
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
        let (pluginPart, toolPart) = name.firstIndex(of: ".").map { (String(name[..<$0]), String(name[name.index(after: $0)...])) } ?? ("", name)
        if let plugin = unavailable.first(where: { $0.tools.contains(toolPart) && (pluginPart.isEmpty || $0.id == pluginPart) }) {
            throw MarketError(.commandInvalid, "the tool /\(name) of plugin \(plugin.id) is unavailable: \(plugin.reason)",
                              fix: "try again later; the operator finds the details in the server's log")
        }
        // A plugin that is not installed here has no tool list to match: name it anyway.
        let notes = unavailable.map { " (plugin \($0.id) is unavailable: \($0.reason))" }.joined()
        throw MarketError(.commandInvalid, "there is no command or tool /\(name)\(notes)", fix: "send /help to list the commands and tools")
    }

    var requestTools: [JSONValue] { entries.compactMap(\.requestJSON) }
}

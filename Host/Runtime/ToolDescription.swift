import MarketCore

/// One entry of a plugin's `market.tools/1` list.
public struct ToolDescription: Sendable, Equatable {
    public let name: String
    public let description: String
    /// A JSON Schema object.
    public let inputSchema: JSONValue

    /// Reads a tool list; every entry must have a valid name and an object schema.
    static func parseList(_ json: String, plugin: String) throws -> [ToolDescription] {
        let invalid = { (problem: String) in
            MarketError(.invalidResult, "\(plugin): its tool list \(problem)", fix: "return [{\"name\",\"description\",\"input_schema\"}] from market.tools/1 list")
        }
        guard case .array(let entries)? = try? JSONValue(parsing: json) else { throw invalid("is not a JSON array") }
        return try entries.enumerated().map { index, entry in
            guard case .string(let name)? = entry["name"], PluginManifest.isToolName(name) else {
                throw invalid("has no valid name at [\(index)]")
            }
            guard case .object? = entry["input_schema"] else { throw invalid("has no input_schema object for '\(name)'") }
            let description: String = if case .string(let text)? = entry["description"] { text } else { "" }
            return ToolDescription(name: name, description: description, inputSchema: entry["input_schema"] ?? .null)
        }
    }
}

/// What a plugin said about a failed call: the ABI status and its message.
public struct PluginCallFailure: Error, Sendable, CustomStringConvertible {
    public let status: Int32
    public let statusName: String
    public let message: String

    public var description: String { "\(statusName): \(message)" }
}

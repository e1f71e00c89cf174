import MarketCore

extension PluginInstance {
    /// Refuses `arguments` for `tool` when they do not match the tool's `input_schema`: every
    /// violation is listed with its JSON Pointer (`/text: is required`), so a model or a user
    /// can correct the call. Lists the tools first if this instance has not yet done so.
    /// - Throws: `INVALID_ARGUMENT` with the violations (`error.violations`).
    func checkArguments(_ tool: String, _ arguments: String, token: CallToken) throws {
        if argumentSchemas.schemas == nil { _ = try listToolsBlocking(token: token) }
        // An unknown tool is the plugin's to answer (NOT_FOUND); an unchecked schema its to check.
        guard let schema = argumentSchemas.schemas?[tool] else { return }
        let found = schema.violations(of: try JSONValue(parsing: arguments))
        guard found.isEmpty else {
            throw MarketError(.invalidArgument, "the arguments for \(pluginID).\(tool) do not match its input_schema: "
                              + found.map(\.description).joined(separator: "; "),
                              fix: "correct the fields listed; `market plugin inspect` shows the tool's input_schema",
                              underlying: ConfigViolations(found))
        }
    }
}

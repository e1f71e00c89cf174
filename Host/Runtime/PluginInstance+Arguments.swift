import MarketCore

extension PluginInstance {
    /// Refuses `arguments` for `tool` when they are not a JSON object or do not match the
    /// tool's `input_schema`: every violation is listed with its JSON Pointer (`/text: is
    /// required`), so a model or a user can correct the call. Lists the tools first if this
    /// instance has not yet done so.
    /// - Throws: `INVALID_ARGUMENT`, with the violations (`error.violations`) for a schema's.
    func checkArguments(_ tool: String, _ arguments: String, token: CallToken) throws {
        var arguments = arguments
        // The usual call is settled in one pass over the bytes, building nothing: an object
        // that its tool's schema accepts.
        if let schema = argumentSchemas.schemas?[tool],
           arguments.withUTF8({ bytes in JSONSyntax.opensObject(UnsafeRawBufferPointer(bytes)) && schema.accepts(UnsafeRawBufferPointer(bytes)) }) {
            return
        }
        guard JSONSyntax.isObject(arguments) else {
            throw MarketError(.invalidArgument, "the arguments for \(pluginID).\(tool) are not a JSON object", fix: "pass arguments as {\"name\": value, …}")
        }
        if argumentSchemas.schemas == nil { _ = try listToolsBlocking(token: token) }
        // An unknown tool is the plugin's to answer (NOT_FOUND); an unchecked schema its to check.
        guard let schema = argumentSchemas.schemas?[tool] else { return }
        // Refused (or not yet checked): the parsed value says why.
        let found = schema.violations(of: try JSONValue(parsing: arguments))
        guard found.isEmpty else {
            throw MarketError(.invalidArgument, "the arguments for \(pluginID).\(tool) do not match its input_schema: "
                              + found.map(\.description).joined(separator: "; "),
                              fix: "correct the fields listed; `market plugin inspect` shows the tool's input_schema",
                              underlying: ConfigViolations(found))
        }
    }
}

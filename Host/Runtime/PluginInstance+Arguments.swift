import MarketCore

extension PluginInstance {
    /// Refuses `arguments` for `tool` when they are not a JSON object, repeat a member name
    /// (`{"n": 1, "n": 2}`, at any depth), or do not match the tool's `input_schema`: every
    /// violation is listed with its JSON Pointer (`/text: is required`), so a model or a user
    /// can correct the call. Lists the tools first if this instance has not yet done so.
    /// - Throws: `INVALID_ARGUMENT`, with the violations (`error.violations`): the repeated
    ///   member's, or the schema's.
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
        // Readers disagree on which of a repeated member's values counts (this host's parser
        // keeps the first, Python's and JavaScript's the last), so what the host checked may not
        // be what the plugin reads: each member once, with or without a schema.
        if let member = JSONSyntax.firstRepeatedName(in: arguments) {
            throw MarketError(.invalidArgument, "the arguments for \(pluginID).\(tool) repeat the member \(member)",
                              fix: "send each member once",
                              underlying: ConfigViolations([SchemaViolation(path: member, message: "is repeated")]))
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

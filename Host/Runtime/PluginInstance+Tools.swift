import MarketCore
import MarketPluginAPI
import PluginKit

extension PluginInstance {
    /// Whether the plugin offers `market.tools/1`.
    public var offersTools: Bool { toolsTable != nil }

    /// The instance's tools (`market.tools/1` list), on the instance's thread.
    public func listTools(timeout: Duration? = nil) async throws -> [ToolDescription] {
        let token = CallToken(timeout: timeout ?? limits.defaultTimeout)
        return try await executor.run(token: token, what: "\(pluginID): list tools") { try self.listToolsBlocking(token: token) }
    }

    /// Lists the tools on the calling thread, which must not be a cooperative-pool thread.
    public func listToolsBlocking(token: CallToken = CallToken()) throws -> [ToolDescription] {
        let tools = try requireTools()
        let result = SinkBuffer(limit: limits.maximumResultBytes)
        let status = try entered(token) { result.withSink { tools.pointee.list(handle, $0) } }
        let what = "\(pluginID): list tools"
        guard status == MK_OK else { throw failure(status, SinkBuffer(), what, token: token) }
        let list = try ToolDescription.parseList(try checkedJSON(result, what), plugin: pluginID)
        argumentSchemas.learn(list, plugin: pluginID, logger: context.logger)
        return list
    }

    /// Calls `tool` with `arguments` (a JSON object) on the instance's thread and returns its
    /// JSON result. `context` is the call's context object (tenant, conversation, user).
    /// - Throws: `INVALID_ARGUMENT` before the plugin runs when `arguments` are not an object
    ///   or do not match the tool's `input_schema`; the plugin's failure otherwise.
    public func callTool(_ tool: String, arguments: String, context: String = "{}", timeout: Duration? = nil) async throws -> String {
        let token = CallToken(timeout: timeout ?? limits.defaultTimeout)
        return try await call(.tool, token: token, what: "\(pluginID).\(tool)") {
            try self.callToolBlocking(tool, arguments: arguments, context: context, token: token)
        }
    }

    /// Calls a tool on the calling thread, which must not be a cooperative-pool thread: for
    /// callers that already run on a dedicated thread, and for measuring the ABI itself.
    public func callToolBlocking(_ tool: String, arguments: String, context: String = "{}", token: CallToken = CallToken()) throws -> String {
        let tools = try requireTools()
        let what = "\(pluginID).\(tool)"
        try checkArguments(tool, arguments, token: token)
        let result = SinkBuffer(limit: limits.maximumResultBytes)
        let error = SinkBuffer(limit: limits.maximumErrorBytes)
        let status = try entered(token) {
            token.withCall(context: context) { call in
                withBorrowedString(tool) { name in
                    withBorrowedString(arguments) { arguments in
                        result.withSink { resultSink in
                            error.withSink { errorSink in tools.pointee.call(handle, name, arguments, call, resultSink, errorSink) }
                        }
                    }
                }
            }
        }
        guard status == MK_OK else {
            if result.overflowed { return try checkedJSON(result, what) }
            throw failure(status, error, what, token: token)
        }
        return try checkedJSON(result, what)
    }

    private func requireTools() throws -> UnsafePointer<mk_tools_v1_t> {
        guard let toolsTable else {
            throw MarketError(.capabilityMissing, "\(pluginID) offers no tools", fix: "call a plugin whose kinds include \"tools\"")
        }
        return toolsTable
    }
}

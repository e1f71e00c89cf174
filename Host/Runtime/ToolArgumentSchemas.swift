import Logging
import MarketCore
import Synchronization

/// The compiled `input_schema` of each tool of one instance, learned from its tool list, so
/// the host can refuse arguments that do not match before the plugin sees them.
///
/// Tool schemas are checked with the same validator as plugin configs (`ConfigSchema`). A
/// schema that uses a keyword it does not support (`anyOf`, `$ref`, …) is not checked by the
/// host: that tool's plugin checks its own arguments, as before.
final class ToolArgumentSchemas: Sendable {
    /// nil until the tools were listed once.
    private let storage = Mutex<[String: ConfigSchema]?>(nil)

    /// The schemas, or nil when the tools have not been listed yet.
    var schemas: [String: ConfigSchema]? { storage.withLock { $0 } }

    /// Compiles the schemas of `tools`; the last list wins.
    func learn(_ tools: [ToolDescription], plugin: String, logger: Logger) {
        var compiled: [String: ConfigSchema] = [:]
        for tool in tools {
            do {
                compiled[tool.name] = try ConfigSchema(tool.inputSchema, source: "\(plugin).\(tool.name)'s input_schema")
            } catch {
                logger.notice("the host does not check this tool's arguments: its input_schema uses what the host's validator lacks",
                              metadata: ["tool": .string(tool.name), "reason": .string("\(error)")])
            }
        }
        storage.withLock { $0 = compiled }
    }
}

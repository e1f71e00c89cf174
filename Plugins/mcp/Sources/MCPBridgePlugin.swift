import Foundation
import PluginKit

/// Makes the tools of MCP servers the tenant's tools, named `SERVER.TOOL`. Results go back as
/// MCP sends them (`content`, `structuredContent`); a result with `isError` fails the call with
/// its text, so the model sees it as a tool error.
final class MCPBridgePlugin: DynamicToolPlugin {
    static let id = "mcp"
    static let version = "1.0.0"

    private let sessions: [String: MCPServerSession]
    private let order: [String]

    init(host: PluginHost, config: PluginConfig) throws {
        let settings = try config.decode(MCPConfig.self)
        try settings.validate()
        sessions = Dictionary(uniqueKeysWithValues: settings.servers.map { ($0.name, MCPServerSession(config: $0, host: host)) })
        order = settings.servers.map(\.name)
    }

    deinit {
        sessions.values.forEach { $0.stop() }
    }

    func listTools() throws -> [ToolListing] {
        var listings: [ToolListing] = []
        for name in order {
            guard let session = sessions[name] else { continue }
            for tool in try session.listTools(context: nil) {
                guard let toolName = tool["name"] as? String, let qualified = Self.qualified(name, toolName) else { continue }
                let schema = tool["inputSchema"] as? [String: Any] ?? ["type": "object"]
                let schemaText = (try? JSONSerialization.data(withJSONObject: schema)).map { String(decoding: $0, as: UTF8.self) } ?? #"{"type":"object"}"#
                listings.append(ToolListing(name: qualified, description: tool["description"] as? String ?? "", inputSchema: schemaText))
            }
        }
        return listings
    }

    func callTool(named name: String, arguments: [UInt8], context: CallContext) throws -> [UInt8] {
        guard let dot = name.firstIndex(of: "."), let session = sessions[String(name[..<dot])] else {
            throw PluginError(.notFound, "there is no tool named '\(name)'")
        }
        let tool = String(name[name.index(after: dot)...])
        guard let object = (try? JSONSerialization.jsonObject(with: Data(arguments))) as? [String: Any] else {
            throw PluginError(.invalidArgument, "the arguments for '\(name)' are not a JSON object")
        }
        let result = try session.call(tool, arguments: object, context: context)
        if result["isError"] as? Bool == true {
            let texts = (result["content"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
            throw PluginError(.upstream, texts.isEmpty ? "the tool '\(name)' failed" : texts.joined(separator: "\n"))
        }
        var answer: [String: Any] = ["content": result["content"] ?? []]
        if let structured = result["structuredContent"] { answer["structuredContent"] = structured }
        return Array(try JSONSerialization.data(withJSONObject: answer))
    }

    /// `SERVER.TOOL`, if that is a valid tool name for the host ([A-Za-z0-9_.-]{1,64}).
    static func qualified(_ server: String, _ tool: String) -> String? {
        let name = "\(server).\(tool)"
        let valid = name.utf8.count <= 64 && tool.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E
        }
        return valid && !tool.isEmpty ? name : nil
    }
}

@_cdecl("mk_plugin_entry_v1")
public func entry(_ abi: UInt32) -> UnsafeRawPointer? { export(MCPBridgePlugin.self, hostABI: abi) }

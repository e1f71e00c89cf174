import Foundation
import MarketCore

/// Maps a plugin's tool to a name models accept (`[A-Za-z0-9_-]{1,64}`) and back.
///
/// The model-facing name is `PLUGIN__TOOL'`, where TOOL' is the tool's name with `-` written
/// `-1` and `.` written `-0`. Plugin ids never contain `_`, so the first `_` starts the
/// separator; the escapes make the tool part decode uniquely. The mapping is therefore
/// injective: two tools can never share a name. A pair whose name would exceed 64 characters
/// is refused (`TOOL_NAME_INVALID`): it stays callable as a slash command, not by the model.
public struct ToolName: Sendable, Hashable, CustomStringConvertible {
    public let plugin: String
    public let tool: String

    public init(plugin: String, tool: String) {
        self.plugin = plugin
        self.tool = tool
    }

    public var description: String { "\(plugin).\(tool)" }

    /// The most characters a model-facing tool name may have.
    public static let maximumLength = 64

    /// The model-facing name.
    /// - Throws: `TOOL_NAME_INVALID` when the plugin id or tool name is not valid, or the
    ///   result would be longer than 64 characters.
    public func encoded() throws -> String {
        guard PluginManifest.isIdentifier(plugin), PluginManifest.isToolName(tool) else {
            throw MarketError(.toolNameInvalid, "'\(plugin.prefix(64)).\(tool.prefix(64))' is not a plugin id and tool name",
                              fix: "use a plugin id of a–z 0–9 - and a tool name of A–Z a–z 0–9 _ . -")
        }
        var name = plugin + "__"
        for character in tool {
            switch character {
            case "-": name += "-1"
            case ".": name += "-0"
            default: name.append(character)
            }
        }
        guard name.utf8.count <= Self.maximumLength else {
            throw MarketError(.toolNameInvalid, "\(self) would be named \(name.utf8.count) characters for the model, more than \(Self.maximumLength)",
                              fix: "shorten the tool's name; it stays callable as /\(tool)")
        }
        return name
    }

    /// Reads a model-facing name back.
    /// - Throws: `TOOL_NAME_INVALID` for a name `encoded()` cannot have produced.
    public init(decoding name: String) throws {
        let invalid = MarketError(.toolNameInvalid, "the model asked for a tool named '\(name.prefix(80))', which is not one of the bot's tools",
                                  fix: "the model must use a tool name from the request's tool list")
        guard Self.isModelSafe(name), let separator = name.range(of: "__") else { throw invalid }
        let plugin = String(name[..<separator.lowerBound])
        var tool = ""
        var escaped = false
        for character in name[separator.upperBound...] {
            if escaped {
                switch character {
                case "1": tool += "-"
                case "0": tool += "."
                default: throw invalid
                }
                escaped = false
            } else if character == "-" {
                escaped = true
            } else {
                tool.append(character)
            }
        }
        guard !escaped, PluginManifest.isIdentifier(plugin), PluginManifest.isToolName(tool) else { throw invalid }
        self.init(plugin: plugin, tool: tool)
    }

    /// Whether `name` has the shape model APIs accept.
    public static func isModelSafe(_ name: String) -> Bool {
        (1...maximumLength).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "-"): true
            default: false
            }
        }
    }
}

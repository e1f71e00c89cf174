import Foundation
import MarketCore

/// One turn of a conversation as it is stored and sent to a model (OpenAI's shapes).
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable {
        case system, user, assistant, tool
    }

    public let role: Role
    public let content: String
    /// On assistant turns: the tool calls the model made, `[{"id","type":"function","function":{"name","arguments"}}]`.
    public let toolCalls: [ToolCall]
    /// On tool turns: the call this result answers.
    public let toolCallID: String?
    /// On tool turns: whether the result is an error.
    public let toolError: Bool
    /// `requestJSON`'s text and the message's size, worked out once: a cached conversation's
    /// messages go into every later request, and writing them again (and counting the
    /// characters of each) on every turn made a reply's cost grow with the conversation.
    let requestText: String
    let size: Int

    public init(role: Role, content: String, toolCalls: [ToolCall] = [], toolCallID: String? = nil, toolError: Bool = false) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.toolError = toolError
        requestText = Self.requestJSON(role: role, content: content, toolCalls: toolCalls, toolCallID: toolCallID).jsonText
        size = content.count + toolCalls.reduce(0) { $0 + $1.name.count + $1.arguments.count + 16 } + 8
    }

    /// The message as a chat-completions request carries it.
    var requestJSON: JSONValue { Self.requestJSON(role: role, content: content, toolCalls: toolCalls, toolCallID: toolCallID) }

    private static func requestJSON(role: Role, content: String, toolCalls: [ToolCall], toolCallID: String?) -> JSONValue {
        var members: [String: JSONValue] = ["role": .string(role.rawValue), "content": .string(content)]
        if !toolCalls.isEmpty {
            members["tool_calls"] = .array(toolCalls.map(\.json))
            if content.isEmpty { members["content"] = .null }
        }
        if let toolCallID { members["tool_call_id"] = .string(toolCallID) }
        return .object(members)
    }

    /// Equal when what is stored is equal (the cached text and size follow from it).
    public static func == (lhs: ChatMessage, rhs: ChatMessage) -> Bool {
        lhs.role == rhs.role && lhs.content == rhs.content && lhs.toolCalls == rhs.toolCalls && lhs.toolCallID == rhs.toolCallID
            && lhs.toolError == rhs.toolError
    }
}

/// One tool call a model asked for.
public struct ToolCall: Sendable, Equatable {
    public let id: String
    /// The model-facing name (see `ToolName`).
    public let name: String
    /// The arguments as the model wrote them: JSON text, not always valid.
    public let arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    var json: JSONValue {
        .object(["id": .string(id), "type": .string("function"),
                 "function": .object(["name": .string(name), "arguments": .string(arguments)])])
    }

    init?(json: JSONValue) {
        guard case .string(let id)? = json["id"], let function = json["function"], case .string(let name)? = function["name"] else { return nil }
        let arguments: String = if case .string(let text)? = function["arguments"] { text } else { "{}" }
        self.init(id: id, name: name, arguments: arguments)
    }
}

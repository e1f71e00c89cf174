import Foundation

/// Builds the final assistant message from streamed chunks: content concatenated, tool calls
/// assembled by their index (id and name from the first fragment, arguments appended).
public struct CompletionAccumulator {
    private var content = ""
    private var sawContent = false
    private var toolCalls: [Int: (id: String, name: String, arguments: String)] = [:]
    public private(set) var finishReason: String?
    public private(set) var usage: [String: Any]?
    public private(set) var model: String?

    public init() {}

    /// Takes one `chat.completion.chunk`; returns its delta object, if it has one, for streaming.
    public mutating func take(_ chunk: [String: Any]) -> [String: Any]? {
        if let model = chunk["model"] as? String { self.model = model }
        if let usage = chunk["usage"] as? [String: Any] { self.usage = usage }
        guard let choice = (chunk["choices"] as? [[String: Any]])?.first else { return nil }
        if let reason = choice["finish_reason"] as? String { finishReason = reason }
        guard let delta = choice["delta"] as? [String: Any] else { return nil }
        if let text = delta["content"] as? String {
            content += text
            sawContent = true
        }
        for call in delta["tool_calls"] as? [[String: Any]] ?? [] {
            let index = call["index"] as? Int ?? 0
            var entry = toolCalls[index] ?? (id: "", name: "", arguments: "")
            if let id = call["id"] as? String, !id.isEmpty { entry.id = id }
            let function = call["function"] as? [String: Any]
            if let name = function?["name"] as? String, !name.isEmpty { entry.name = name }
            if let arguments = function?["arguments"] as? String { entry.arguments += arguments }
            toolCalls[index] = entry
        }
        return delta.isEmpty ? nil : delta
    }

    /// Takes a chunk the fast path recognised, exactly as `take(_:)` takes its parsed form.
    public mutating func take(_ chunk: ContentDelta) {
        if let model = chunk.model { self.model = model }
        content += chunk.text
        sawContent = true
    }

    /// The result object of market/model.h.
    public var result: [String: Any] {
        var message: [String: Any] = ["role": "assistant", "content": sawContent ? content : NSNull()]
        if !toolCalls.isEmpty {
            message["tool_calls"] = toolCalls.keys.sorted().compactMap { index -> [String: Any]? in
                guard let call = toolCalls[index] else { return nil }
                return ["id": call.id, "type": "function", "function": ["name": call.name, "arguments": call.arguments]]
            }
        }
        var result: [String: Any] = ["message": message, "finish_reason": finishReason ?? (toolCalls.isEmpty ? "stop" : "tool_calls")]
        if let model { result["model"] = model }
        if let usage { result["usage"] = usage }
        return result
    }
}

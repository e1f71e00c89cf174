import Foundation
import PluginKit

/// Translates an OpenAI-shaped chat request (market/model.h) into a Messages API request:
/// system messages become `system`, tool calls become `tool_use` blocks, tool results become
/// `tool_result` blocks in a user turn, and consecutive turns of one role are merged, since
/// the API wants user and assistant to alternate.
enum MessagesRequest {
    static func make(from request: [String: Any], config: AnthropicConfig, streaming: Bool) throws -> [String: Any] {
        guard let messages = request["messages"] as? [[String: Any]] else {
            throw PluginError(.invalidArgument, "the completion request has no messages")
        }
        var system: [String] = []
        var turns: [(role: String, blocks: [[String: Any]])] = []
        func append(_ role: String, _ blocks: [[String: Any]]) {
            guard !blocks.isEmpty else { return }
            if turns.last?.role == role { turns[turns.count - 1].blocks += blocks } else { turns.append((role, blocks)) }
        }
        for message in messages {
            switch message["role"] as? String {
            case "system", "developer": system.append(text(of: message["content"]))
            case "user": append("user", textBlocks(message["content"]))
            case "assistant":
                var blocks = textBlocks(message["content"])
                for call in message["tool_calls"] as? [[String: Any]] ?? [] {
                    let function = call["function"] as? [String: Any] ?? [:]
                    let arguments = (function["arguments"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) }
                    blocks.append(["type": "tool_use", "id": call["id"] as? String ?? "", "name": function["name"] as? String ?? "",
                                   "input": arguments as? [String: Any] ?? [:]])
                }
                append("assistant", blocks)
            case "tool":
                append("user", [["type": "tool_result", "tool_use_id": message["tool_call_id"] as? String ?? "",
                                 "content": text(of: message["content"])]])
            default:
                throw PluginError(.invalidArgument, "a message has no known role (system, user, assistant or tool)")
            }
        }
        var body: [String: Any] = [
            "model": request["model"] as? String ?? config.model,
            "max_tokens": request["max_tokens"] as? Int ?? config.max_tokens ?? 1024,
            "messages": turns.map { ["role": $0.role, "content": $0.blocks] },
            "stream": streaming,
        ]
        if !system.isEmpty { body["system"] = system.joined(separator: "\n\n") }
        if let temperature = request["temperature"] as? Double ?? config.temperature { body["temperature"] = temperature }
        if let tools = request["tools"] as? [[String: Any]], !tools.isEmpty {
            body["tools"] = tools.compactMap { tool -> [String: Any]? in
                guard let function = tool["function"] as? [String: Any], let name = function["name"] as? String else { return nil }
                return ["name": name, "description": function["description"] as? String ?? "",
                        "input_schema": function["parameters"] as? [String: Any] ?? ["type": "object"]]
            }
            if let choice = toolChoice(request["tool_choice"]) { body["tool_choice"] = choice }
        }
        return body
    }

    private static func toolChoice(_ choice: Any?) -> [String: Any]? {
        switch choice {
        case let text as String where text == "required": return ["type": "any"]
        case let text as String where text == "none": return ["type": "none"]
        case let object as [String: Any]:
            guard let name = (object["function"] as? [String: Any])?["name"] as? String else { return nil }
            return ["type": "tool", "name": name]
        default: return nil
        }
    }

    private static func text(of content: Any?) -> String {
        if let text = content as? String { return text }
        let parts = content as? [[String: Any]] ?? []
        return parts.compactMap { $0["text"] as? String }.joined(separator: "\n")
    }

    private static func textBlocks(_ content: Any?) -> [[String: Any]] {
        let value = text(of: content)
        return value.isEmpty ? [] : [["type": "text", "text": value]]
    }
}

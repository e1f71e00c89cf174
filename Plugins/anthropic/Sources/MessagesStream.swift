import PluginKit

/// Turns Messages API stream events into OpenAI-shaped `chat.completion.chunk`s, so the
/// deltas the host receives look the same whichever vendor answers.
struct MessagesStream {
    private var model: String?
    private var inputTokens = 0
    private var outputTokens = 0
    /// Content block index → tool call index (tool calls are numbered apart from text blocks).
    private var toolIndex: [Int: Int] = [:]

    mutating func chunk(for event: [String: Any]) throws -> [String: Any]? {
        switch event["type"] as? String {
        case "message_start":
            let message = event["message"] as? [String: Any]
            model = message?["model"] as? String
            inputTokens = (message?["usage"] as? [String: Any])?["input_tokens"] as? Int ?? 0
            return nil
        case "content_block_start":
            guard let block = event["content_block"] as? [String: Any], block["type"] as? String == "tool_use",
                  let index = event["index"] as? Int else { return nil }
            let call = toolIndex.count
            toolIndex[index] = call
            return wrap(["tool_calls": [["index": call, "id": block["id"] as? String ?? "", "type": "function",
                                         "function": ["name": block["name"] as? String ?? "", "arguments": ""]]]])
        case "content_block_delta":
            let delta = event["delta"] as? [String: Any] ?? [:]
            switch delta["type"] as? String {
            case "text_delta": return wrap(["content": delta["text"] as? String ?? ""])
            case "input_json_delta":
                guard let index = event["index"] as? Int, let call = toolIndex[index] else { return nil }
                return wrap(["tool_calls": [["index": call, "function": ["arguments": delta["partial_json"] as? String ?? ""]]]])
            default: return nil
            }
        case "message_delta":
            outputTokens = (event["usage"] as? [String: Any])?["output_tokens"] as? Int ?? outputTokens
            let reason = (event["delta"] as? [String: Any])?["stop_reason"] as? String
            var chunk = wrap([:], finish: reason.map(Self.finishReason))
            chunk["usage"] = ["prompt_tokens": inputTokens, "completion_tokens": outputTokens, "total_tokens": inputTokens + outputTokens]
            return chunk
        case "error":
            throw Self.failure(event["error"] as? [String: Any])
        default:
            return nil // ping, content_block_stop, message_stop
        }
    }

    private func wrap(_ delta: [String: Any], finish: String? = nil) -> [String: Any] {
        var chunk: [String: Any] = ["choices": [["index": 0, "delta": delta, "finish_reason": finish as Any]]]
        if let model { chunk["model"] = model }
        return chunk
    }

    static func finishReason(_ stopReason: String) -> String {
        switch stopReason {
        case "tool_use": "tool_calls"
        case "max_tokens": "length"
        default: "stop"
        }
    }

    /// An error object (`{"type": "overloaded_error", "message": …}`) as the ABI's status.
    static func failure(_ error: [String: Any]?, httpStatus: Int = 0) -> PluginError {
        let kind = error?["type"] as? String ?? ""
        let message = error?["message"] as? String ?? "unknown error"
        let text = httpStatus > 0 ? "the model server answered \(httpStatus): \(message)" : "the model server failed mid-stream: \(message)"
        switch kind {
        case "authentication_error", "permission_error": return PluginError(.unauthenticated, text)
        case "rate_limit_error": return PluginError(.rateLimited, text)
        case "overloaded_error", "api_error": return PluginError(.unavailable, text)
        case "request_too_large": return PluginError(.contextTooLong, text)
        case "invalid_request_error" where message.contains("prompt is too long"): return PluginError(.contextTooLong, text)
        case "invalid_request_error", "not_found_error": return PluginError(.invalidArgument, text)
        default: return PluginError(.upstream, text)
        }
    }
}

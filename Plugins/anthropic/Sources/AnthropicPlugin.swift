import Foundation
import ModelProviderKit
import PluginKit

/// A model provider for Anthropic's Messages API. Requests and answers keep the OpenAI shapes
/// of market/model.h, so the bot and A/B tests treat every vendor alike.
final class AnthropicPlugin: ModelPlugin {
    static let id = "anthropic"
    static let version = "1.0.0"
    static let concurrency = PluginConcurrency.concurrent

    private let host: PluginHost
    private let config: AnthropicConfig
    private let apiKey: String?

    init(host: PluginHost, config: PluginConfig) throws {
        self.host = host
        self.config = try config.decode(AnthropicConfig.self)
        apiKey = try? host.secret("api_key")
    }

    func complete(request: [UInt8], context: CallContext, stream: DeltaStream?) throws -> [UInt8] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(request))) as? [String: Any] else {
            throw PluginError(.invalidArgument, "the completion request is not a JSON object")
        }
        let body = try JSONSerialization.data(withJSONObject: MessagesRequest.make(from: object, config: config, streaming: stream != nil))
        return try RetryPolicy(maxRetries: config.max_retries ?? 2).run(context: context, log: { attempt, reason in
            host.log(.info, "retrying the model request", fields: ["attempt": String(attempt), "reason": reason])
        }) {
            try attempt(body, context: context, stream: stream)
        }
    }

    private func attempt(_ body: Data, context: CallContext, stream: DeltaStream?) throws -> [UInt8] {
        var headers: [(name: String, value: String)] = [("content-type", "application/json"),
                                                        ("anthropic-version", config.anthropic_version ?? "2023-06-01")]
        if let apiKey, !apiKey.isEmpty { headers.append(("x-api-key", apiKey)) }
        for (name, value) in config.extra_headers ?? [:] { headers.append((name, value)) }
        let request = HTTPRequest(method: "POST", url: config.endpoint, headers: headers, body: Array(body))

        var translator = MessagesStream()
        var accumulator = CompletionAccumulator()
        let outcome = try StreamingExchange.perform(request, host: host, context: context, streaming: stream != nil) { event in
            guard let chunk = try translator.chunk(for: event), let delta = accumulator.take(chunk), let stream else { return false }
            try stream.send(Array(try JSONSerialization.data(withJSONObject: delta)))
            return true
        }
        guard outcome.response.status == 200 else {
            let payload = (try? JSONSerialization.jsonObject(with: Data(outcome.body))) as? [String: Any]
            var failure = MessagesStream.failure(payload?["error"] as? [String: Any], httpStatus: outcome.response.status)
            if outcome.response.status == 429 {
                failure = PluginError(.rateLimited, failure.message, retryAfterMilliseconds: RetryPolicy.retryAfter(outcome.response.headers))
            }
            if RetryPolicy.isRetryable(outcome.response.status) && !outcome.streamed { throw RetryableFailure(failure) }
            throw failure
        }
        if stream != nil { return Array(try JSONSerialization.data(withJSONObject: accumulator.result)) }
        return try Self.result(fromMessage: outcome.body)
    }

    /// A whole (non-streamed) message as the result object of market/model.h.
    static func result(fromMessage body: [UInt8]) throws -> [UInt8] {
        guard let message = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
              let blocks = message["content"] as? [[String: Any]]
        else { throw PluginError(.upstream, "the model server's answer is not a message") }
        let texts = blocks.filter { $0["type"] as? String == "text" }.compactMap { $0["text"] as? String }
        let calls = try blocks.filter { $0["type"] as? String == "tool_use" }.map { block -> [String: Any] in
            let input = try JSONSerialization.data(withJSONObject: block["input"] as? [String: Any] ?? [:], options: [.sortedKeys])
            return ["id": block["id"] as? String ?? "", "type": "function",
                    "function": ["name": block["name"] as? String ?? "", "arguments": String(decoding: input, as: UTF8.self)]]
        }
        var reply: [String: Any] = ["role": "assistant", "content": texts.isEmpty ? NSNull() : texts.joined()]
        if !calls.isEmpty { reply["tool_calls"] = calls }
        let usage = message["usage"] as? [String: Any] ?? [:]
        let input = usage["input_tokens"] as? Int ?? 0
        let output = usage["output_tokens"] as? Int ?? 0
        let result: [String: Any] = [
            "message": reply, "model": message["model"] ?? "",
            "finish_reason": MessagesStream.finishReason(message["stop_reason"] as? String ?? "end_turn"),
            "usage": ["prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output],
        ]
        return Array(try JSONSerialization.data(withJSONObject: result))
    }
}

@_cdecl("mk_plugin_entry_v1")
public func entry(_ abi: UInt32) -> UnsafeRawPointer? { export(AnthropicPlugin.self, hostABI: abi) }

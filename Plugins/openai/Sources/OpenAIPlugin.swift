import Foundation
import ModelProviderKit
import PluginKit

/// A model provider for the OpenAI chat-completions API and every server that speaks it.
/// Concurrent: an instance keeps no per-call state, so many conversations can use it at once.
final class OpenAIPlugin: ModelPlugin {
    static let id = "openai"
    static let version = "1.0.0"
    static let concurrency = PluginConcurrency.concurrent

    private let host: PluginHost
    private let config: OpenAIConfig
    private let apiKey: String?

    init(host: PluginHost, config: PluginConfig) throws {
        self.host = host
        self.config = try config.decode(OpenAIConfig.self)
        // Local servers (Ollama, llama.cpp) need no key; a hosted API answers 401 without one.
        apiKey = try? host.secret("api_key")
    }

    func complete(request: [UInt8], context: CallContext, stream: DeltaStream?) throws -> [UInt8] {
        let body = try requestBody(request, streaming: stream != nil)
        return try RetryPolicy(maxRetries: config.retries).run(context: context, log: { attempt, reason in
            host.log(.info, "retrying the model request", fields: ["attempt": String(attempt), "reason": reason])
        }) {
            try attemptCompletion(body, context: context, stream: stream)
        }
    }

    /// The request to send: the caller's OpenAI-shaped request with this instance's defaults.
    private func requestBody(_ request: [UInt8], streaming: Bool) throws -> Data {
        guard var body = (try? JSONSerialization.jsonObject(with: Data(request))) as? [String: Any] else {
            throw PluginError(.invalidArgument, "the completion request is not a JSON object")
        }
        guard body["messages"] is [Any] else { throw PluginError(.invalidArgument, "the completion request has no messages") }
        if body["model"] == nil { body["model"] = config.model }
        if body["temperature"] == nil, let temperature = config.temperature { body["temperature"] = temperature }
        if body["max_tokens"] == nil, let maxTokens = config.max_tokens { body["max_tokens"] = maxTokens }
        body["stream"] = streaming
        if streaming { body["stream_options"] = ["include_usage": true] } else { body.removeValue(forKey: "stream_options") }
        return try JSONSerialization.data(withJSONObject: body)
    }

    private func attemptCompletion(_ body: Data, context: CallContext, stream: DeltaStream?) throws -> [UInt8] {
        var headers: [(name: String, value: String)] = [("content-type", "application/json"),
                                                        ("accept", stream == nil ? "application/json" : "text/event-stream")]
        if let apiKey, !apiKey.isEmpty { headers.append(("authorization", "Bearer \(apiKey)")) }
        for (name, value) in config.extra_headers ?? [:] { headers.append((name, value)) }
        let request = HTTPRequest(method: "POST", url: config.endpoint, headers: headers, body: Array(body))

        var accumulator = CompletionAccumulator()
        // A plain text chunk goes to the host as the bytes it came in; everything else is parsed.
        let recognise = stream.map { stream in { (chunk: UnsafeBufferPointer<UInt8>) throws -> Bool? in
            guard let text = ContentDelta.recognise(chunk) else { return nil }
            accumulator.take(text)
            try stream.send(UnsafeBufferPointer(rebasing: chunk[text.delta]))
            return true
        } }
        let outcome = try StreamingExchange.perform(request, host: host, context: context, streaming: stream != nil,
                                                    recognise: recognise) { event in
            if let failure = UpstreamError.midStream(event) { throw failure }
            guard let delta = accumulator.take(event), let stream else { return false }
            try stream.send(Array(try JSONSerialization.data(withJSONObject: delta)))
            return true
        }
        let response = outcome.response
        let raw = outcome.body
        guard response.status == 200 else {
            let failure = UpstreamError.error(status: response.status, headers: response.headers, body: raw)
            if RetryPolicy.isRetryable(response.status) && !outcome.streamed { throw RetryableFailure(failure) }
            throw failure
        }
        if stream == nil {
            guard let completion = (try? JSONSerialization.jsonObject(with: Data(raw))) as? [String: Any],
                  let choice = (completion["choices"] as? [[String: Any]])?.first
            else { throw PluginError(.upstream, "the model server's answer is not a chat completion") }
            var result: [String: Any] = ["message": choice["message"] ?? [:], "finish_reason": choice["finish_reason"] ?? "stop"]
            if let model = completion["model"] { result["model"] = model }
            if let usage = completion["usage"] { result["usage"] = usage }
            return Array(try JSONSerialization.data(withJSONObject: result))
        }
        return Array(try JSONSerialization.data(withJSONObject: accumulator.result))
    }
}

@_cdecl("mk_plugin_entry_v1")
public func entry(_ abi: UInt32) -> UnsafeRawPointer? { export(OpenAIPlugin.self, hostABI: abi) }

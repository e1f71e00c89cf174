import Foundation
import PluginKit

/// A model provider for the OpenAI chat-completions API and every server that speaks it.
/// Concurrent: an instance keeps no per-call state, so many conversations can use it at once.
final class OpenAIPlugin: ModelPlugin {
    static let id = "openai"
    static let version = "1.0.0"
    static let concurrency = PluginConcurrency.concurrent

    /// A server asking for a longer pause than this (in ms) gets its answer passed on instead of
    /// a retry, so the caller can decide (and tell the user) rather than sit waiting.
    static let longestWait: UInt32 = 5_000

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
        var attempt = 0
        while true {
            try context.checkCancellation()
            do {
                return try attemptCompletion(body, context: context, stream: stream)
            } catch let failure as RetryableFailure where attempt < config.retries && failure.error.retryAfterMilliseconds <= Self.longestWait {
                attempt += 1
                try pause(before: attempt, asked: failure.error.retryAfterMilliseconds, context: context)
                host.log(.info, "retrying the model request", fields: ["attempt": String(attempt), "reason": failure.error.message])
            } catch let failure as RetryableFailure {
                throw failure.error
            }
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

        var events = ServerSentEvents()
        var accumulator = CompletionAccumulator()
        // The body as received: the answer when not streaming, an error's explanation otherwise.
        var raw: [UInt8] = []
        let keep = stream == nil ? 8 << 20 : 64 << 10
        var streamed = false
        var midStreamError: PluginError?
        let response: HTTPResponse
        do {
            response = try host.fetch(request, context: context) { chunk in
                raw.append(contentsOf: chunk.prefix(max(0, keep - raw.count)))
                guard stream != nil else { return }
                for data in events.feed(chunk) where data != "[DONE]" {
                    guard let event = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] else { continue }
                    if let failure = UpstreamError.midStream(event) {
                        midStreamError = failure
                        throw failure
                    }
                    if let delta = accumulator.take(event), let stream {
                        try stream.send(Array(try JSONSerialization.data(withJSONObject: delta)))
                        streamed = true
                    }
                }
            }
        } catch let failure as PluginError where failure.status == .unavailable || failure.status == .timeout {
            // A dropped connection before anything was streamed may be retried.
            if streamed { throw failure }
            throw RetryableFailure(error: failure)
        }
        if let midStreamError { throw midStreamError }

        guard response.status == 200 else {
            let failure = UpstreamError.error(status: response.status, headers: response.headers, body: raw)
            if UpstreamError.isRetryable(response.status) && !streamed { throw RetryableFailure(error: failure) }
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

    /// Waits before a retry: what the server asked for, else 0.5 s, 1 s, 2 s… with jitter;
    /// never past the call's deadline.
    private func pause(before attempt: Int, asked: UInt32, context: CallContext) throws {
        let backoff = asked > 0 ? Double(asked) / 1000 : 0.5 * pow(2, Double(attempt - 1)) * Double.random(in: 0.8...1.2)
        if let deadline = context.deadlineNanoseconds {
            let left = Double(deadline) - Double(monotonicNanoseconds())
            guard left / 1e9 > backoff else { throw PluginError(.timeout, "no time left to retry the model request") }
        }
        var waited = 0.0
        while waited < backoff {
            try context.checkCancellation()
            let step = min(0.05, backoff - waited)
            usleep(UInt32(step * 1_000_000))
            waited += step
        }
    }
}

/// A failure worth another attempt, with the error to report if none is left.
private struct RetryableFailure: Error {
    let error: PluginError
}

@_cdecl("mk_plugin_entry_v1")
public func entry(_ abi: UInt32) -> UnsafeRawPointer? { export(OpenAIPlugin.self, hostABI: abi) }

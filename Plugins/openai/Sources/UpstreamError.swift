import Foundation
import ModelProviderKit
import PluginKit

/// Turns an OpenAI-style error response into the ABI's status codes.
enum UpstreamError {
    static func error(status: Int, headers: [String: String], body: [UInt8]) -> PluginError {
        let payload = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        let detail = payload?["error"] as? [String: Any]
        let message = detail?["message"] as? String ?? String(decoding: body.prefix(300), as: UTF8.self)
        let code = detail?["code"] as? String ?? ""
        let text = "the model server answered \(status): \(message)"
        switch status {
        case 401, 403: return PluginError(.unauthenticated, text)
        case 429: return PluginError(.rateLimited, text, retryAfterMilliseconds: RetryPolicy.retryAfter(headers))
        case 400 where code == "context_length_exceeded" || message.contains("maximum context length"):
            return PluginError(.contextTooLong, text)
        case 400, 404, 422: return PluginError(.invalidArgument, text)
        case 408: return PluginError(.timeout, text)
        default: return PluginError(status >= 500 ? .unavailable : .upstream, text)
        }
    }

    /// An error object sent inside the stream after it began.
    static func midStream(_ event: [String: Any]) -> PluginError? {
        guard let detail = event["error"] as? [String: Any] else { return nil }
        let message = detail["message"] as? String ?? "unknown error"
        return PluginError(.upstream, "the model server failed mid-stream: \(message)")
    }
}

import CoreMetrics
import MarketCore

/// The bot's metrics, read off the events a reply publishes (every step already says what it
/// came to there), through the process's metrics factory (docs/operations.md, "Metrics"):
/// - `market_bot_turns_total{channel,outcome}`: replies, `answered` or `fallback` (a model or
///   tool call failed on the way);
/// - `market_bot_reply_duration_seconds{channel}`: from the message's arrival to its reply;
/// - `market_bot_model_calls_total{plugin,outcome}` (`ok`, `error`) and
///   `market_bot_model_call_duration_seconds{plugin}`;
/// - `market_bot_tool_calls_total{plugin,via,outcome}`: via `model` or `command`, `ok` or `error`;
/// - `market_bot_tokens_total{plugin,direction}`: tokens `in` (prompt) and `out` (completion),
///   as the provider reported them.
///
/// Channels are the engine's own names (`telegram`, `web`, `cli`); no user, chat or
/// conversation id becomes a label.
struct BotMetrics: Sendable {
    let factory: any MetricsFactory

    func observe(_ type: String, channel: String, _ data: [String: JSONValue]) {
        func text(_ key: String) -> String? {
            guard case .string(let value)? = data[key], !value.isEmpty else { return nil }
            return value
        }
        let plugin = text("plugin") ?? "none"
        switch type {
        case BotEventType.messageSent:
            let outcome = data["fallback"] == .bool(true) ? "fallback" : "answered"
            count("market_bot_turns_total", [("channel", channel), ("outcome", outcome)])
            time("market_bot_reply_duration_seconds", [("channel", channel)], data["latency_ms"])
        case BotEventType.llmCompleted:
            count("market_bot_model_calls_total", [("plugin", plugin), ("outcome", "ok")])
            time("market_bot_model_call_duration_seconds", [("plugin", plugin)], data["latency_ms"])
            for (key, direction) in [("prompt_tokens", "in"), ("completion_tokens", "out")] {
                guard let tokens = data[key]?.integerValue, tokens > 0 else { continue }
                Counter(label: "market_bot_tokens_total", dimensions: [("plugin", plugin), ("direction", direction)], factory: factory)
                    .increment(by: tokens)
            }
        case BotEventType.llmFailed:
            count("market_bot_model_calls_total", [("plugin", plugin), ("outcome", "error")])
            time("market_bot_model_call_duration_seconds", [("plugin", plugin)], data["latency_ms"])
        case BotEventType.toolCalled:
            let via = text("via") ?? "model"
            count("market_bot_tool_calls_total", [("plugin", plugin), ("via", via), ("outcome", data["ok"] == .bool(true) ? "ok" : "error")])
        default:
            break
        }
    }

    private func count(_ label: String, _ dimensions: [(String, String)]) {
        Counter(label: label, dimensions: dimensions, factory: factory).increment()
    }

    private func time(_ label: String, _ dimensions: [(String, String)], _ milliseconds: JSONValue?) {
        guard let milliseconds = milliseconds?.integerValue else { return }
        Timer(label: label, dimensions: dimensions, factory: factory).recordMilliseconds(milliseconds)
    }
}

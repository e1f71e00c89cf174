import CoreMetrics

/// The Telegram channel's metrics, through the process's metrics factory (docs/operations.md,
/// "Metrics"):
/// - `market_telegram_updates_total{mode}`: new updates stored in the inbox, by how they came
///   (`webhook`, `polling`); duplicates Telegram sent again are not counted;
/// - `market_telegram_api_calls_total{method,outcome}`: Bot API calls by method (`sendMessage`,
///   `getUpdates`, …: the channel's own fixed set) and outcome: `ok`, `rate_limited` (429),
///   `refused` (another Bot API error) or `unreachable` (no answer, or not the Bot API's JSON).
enum TelegramMetrics {
    static func stored(_ count: Int, mode: TelegramBot.Mode) {
        guard count > 0 else { return }
        Counter(label: "market_telegram_updates_total", dimensions: [("mode", mode.rawValue)]).increment(by: count)
    }

    static func called(_ method: String, _ outcome: Result<Void, any Error>) {
        let label: String
        switch outcome {
        case .success: label = "ok"
        case .failure(let error as BotAPIError): label = error.errorCode == 429 ? "rate_limited" : "refused"
        case .failure(is CancellationError): return
        case .failure: label = "unreachable"
        }
        Counter(label: "market_telegram_api_calls_total", dimensions: [("method", method), ("outcome", label)]).increment()
    }
}

import Foundation
import MarketTestSupport
import TelegramChannel
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The Bot API fake (Tests/Fixtures/fake-telegram/server.py) on a loopback port of its own.
final class FakeTelegram: Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fake-telegram/server.py").path
    /// A token of Telegram's shape; the fake takes any such token.
    static let token = try! BotToken("123456:AAFakeTokenForTestsOnly_0123456789abcdef")

    let process: LoopbackServerProcess
    var base: String { "http://127.0.0.1:\(process.port)" }

    private init(process: LoopbackServerProcess) {
        self.process = process
    }

    /// Starts a fake of its own.
    static func start() async throws -> FakeTelegram {
        FakeTelegram(process: try await LoopbackServerProcess.start(["python3", script]) { output in
            output.split(separator: "\n").first { $0.hasPrefix("listening on ") }.flatMap { Int($0.dropFirst("listening on ".count)) }
        })
    }

    /// Makes one call, so that timings measured at the fake do not include a cold start.
    func warmUp() async throws {
        _ = try await client().getMe()
        _ = try await control("reset", [:])
    }

    func client(token: BotToken = FakeTelegram.token) -> BotAPIClient { BotAPIClient(token: token, base: base, timeout: .seconds(10)) }

    /// One recorded Bot API request.
    struct Request: Sendable {
        let method: String
        let params: [String: any Sendable]
        let time: Double

        func string(_ key: String) -> String? { params[key] as? String }
        func int(_ key: String) -> Int64? { (params[key] as? NSNumber)?.int64Value ?? (params[key] as? String).flatMap { Int64($0) } }
    }

    func requests(_ method: String? = nil) async throws -> [Request] {
        let data = try await control("requests", nil)
        let list = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return list.compactMap { entry -> Request? in
            guard let name = entry["method"] as? String, method == nil || name == method else { return nil }
            let params = (entry["params"] as? [String: Any] ?? [:]).mapValues { value -> any Sendable in
                if let number = value as? NSNumber { return number }
                if let text = value as? String { return text }
                // Objects and arrays as JSON text with sorted keys, for exact comparison.
                if JSONSerialization.isValidJSONObject(value), let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) {
                    return String(decoding: data, as: UTF8.self)
                }
                return String(describing: value)
            }
            return Request(method: name, params: params, time: entry["t"] as? Double ?? 0)
        }
    }

    /// Answers the next `count` calls of `method` with an error (a 5xx too), once `after` of
    /// them have been answered as usual.
    func fail(_ method: String, code: Int, description: String, retryAfter: Int? = nil, count: Int = 1, after: Int = 0) async throws {
        var body: [String: Any] = ["method": method, "error_code": code, "description": description, "count": count, "after": after]
        if let retryAfter { body["retry_after"] = retryAfter }
        _ = try await control("fail", body)
    }

    /// Takes `seconds` over each of the next `count` calls of `method` before handling (and
    /// timing) it, as a Telegram slow to take a call would.
    func slow(_ method: String, seconds: Double, count: Int = 1) async throws {
        _ = try await control("slow", ["method": method, "seconds": seconds, "count": count])
    }

    /// Queues updates for getUpdates.
    func queue(_ updates: [[String: Any]]) async throws {
        _ = try await control("updates", ["updates": updates])
    }

    /// POSTs an update to the webhook set with setWebhook; returns the status the webhook answered.
    func deliver(_ update: [String: Any], secret: String? = nil) async throws -> Int {
        var body: [String: Any] = ["update": update]
        if let secret { body["secret"] = secret }
        let data = try await control("deliver", body)
        let answer = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(answer["status"] as? Int)
    }

    private func control(_ name: String, _ body: [String: Any]?) async throws -> Data {
        var request = URLRequest(url: URL(string: "\(base)/control/\(name)")!)
        request.httpMethod = body == nil ? "GET" : "POST"
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, _) = try await URLSession.shared.data(for: request)
        return data
    }

    /// A button press under the bot's message `messageID`.
    static func callbackUpdate(_ id: Int64, chat: Int64, data: String, messageID: Int64) -> [String: Any] {
        ["update_id": id, "callback_query": ["id": "cbq-\(id)", "data": data, "chat_instance": "ci",
                                             "from": ["id": 42, "is_bot": false, "first_name": "Ada"],
                                             "message": ["message_id": messageID, "date": 1_700_000_000, "text": "earlier reply",
                                                         "chat": ["id": chat, "type": chat > 0 ? "private" : "group"]]]]
    }

    /// A text message update.
    static func textUpdate(_ id: Int64, chat: Int64, text: String, user: Int64 = 42) -> [String: Any] {
        ["update_id": id, "message": ["message_id": id * 10, "date": 1_700_000_000, "text": text,
                                      "chat": ["id": chat, "type": chat > 0 ? "private" : "group"],
                                      "from": ["id": user, "is_bot": false, "first_name": "Ada"]]]
    }
}

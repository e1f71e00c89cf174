import Foundation
import MarketTestSupport
import Testing

/// Tests/Fixtures/fake-telegram/server.py (the Bot API on loopback) and its control endpoints.
final class FakeBotAPI: Sendable {
    /// A token of Telegram's shape; the fake takes any such token.
    static let token = "123456:AAFakeTokenForTestsOnly_0123456789abcdef"

    let process: LoopbackServerProcess
    var port: Int { process.port }
    var base: String { "http://127.0.0.1:\(process.port)" }

    private init(process: LoopbackServerProcess) {
        self.process = process
    }

    /// Starts a fake of its own.
    static func start() async throws -> FakeBotAPI {
        let script = Repository.root.appendingPathComponent("Tests/Fixtures/fake-telegram/server.py").path
        return FakeBotAPI(process: try await LoopbackServerProcess.start(["python3", "-u", script]) { output in
            output.split(separator: "\n").first { $0.hasPrefix("listening on ") }.flatMap { Int($0.dropFirst("listening on ".count)) }
        })
    }

    /// Every Bot API call so far (`method`, `params`), or only those of `method`.
    func requests(_ method: String? = nil) async throws -> [[String: Any]] {
        let reply = try await LoopbackHTTP.get("/control/requests", port: port)
        let list = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [[String: Any]])
        return list.filter { method == nil || $0["method"] as? String == method }
    }

    /// The texts of the messages sent to `chat`, in order.
    func sentTexts(chat: Int64) async throws -> [String] {
        try await requests("sendMessage").compactMap { request in
            guard let params = request["params"] as? [String: Any], (params["chat_id"] as? NSNumber)?.int64Value == chat else { return nil }
            return params["text"] as? String
        }
    }

    /// POSTs `update` to the webhook the bot set, as Telegram does; the status it was answered with.
    func deliver(_ update: [String: Any], secret: String? = nil) async throws -> Int {
        var body: [String: Any] = ["update": update]
        if let secret { body["secret"] = secret }
        let reply = try await control("deliver", body)
        return try #require(try reply.json()["status"] as? Int)
    }

    /// Answers the next `count` calls of `method` with an error.
    func fail(_ method: String, code: Int, description: String, retryAfter: Int? = nil, count: Int = 1) async throws {
        var body: [String: Any] = ["method": method, "error_code": code, "description": description, "count": count]
        if let retryAfter { body["retry_after"] = retryAfter }
        _ = try await control("fail", body)
    }

    private func control(_ name: String, _ body: [String: Any]) async throws -> HTTPReply {
        let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        return try await LoopbackHTTP.request("POST", "/control/\(name)", port: port, headers: ["Content-Type": "application/json"], body: text)
    }

    /// A text message from user 42.
    static func textUpdate(_ id: Int64, chat: Int64, text: String) -> [String: Any] {
        ["update_id": id, "message": ["message_id": id * 10, "date": 1_700_000_000, "text": text,
                                      "chat": ["id": chat, "type": chat > 0 ? "private" : "group"],
                                      "from": ["id": 42, "is_bot": false, "first_name": "Ada"]]]
    }

    /// A press of the button carrying `data` under the bot's message `messageID`.
    static func callbackUpdate(_ id: Int64, chat: Int64, data: String, messageID: Int64) -> [String: Any] {
        ["update_id": id, "callback_query": ["id": "cbq-\(id)", "data": data, "chat_instance": "ci",
                                             "from": ["id": 42, "is_bot": false, "first_name": "Ada"],
                                             "message": ["message_id": messageID, "date": 1_700_000_000, "text": "earlier reply",
                                                         "chat": ["id": chat, "type": chat > 0 ? "private" : "group"]]]]
    }
}

/// Tests/Fixtures/fake-llm/server.py: OpenAI's chat completions on loopback; the model name
/// picks the scenario (`text` answers "Hello!").
final class FakeModel: Sendable {
    let process: LoopbackServerProcess
    var root: String { "http://127.0.0.1:\(process.port)" }

    private init(process: LoopbackServerProcess) {
        self.process = process
    }

    /// Starts a fake of its own.
    static func start() async throws -> FakeModel {
        let script = Repository.root.appendingPathComponent("Tests/Fixtures/fake-llm/server.py").path
        return FakeModel(process: try await LoopbackServerProcess.start(["python3", "-u", script]) { seen in
            seen.split(separator: "\n").first { $0.hasPrefix("listening on ") }.flatMap { Int($0.dropFirst("listening on ".count)) }
        })
    }
}

import Foundation
import Hummingbird
import Logging
import LoopbackLoad
import NIOCore
import Synchronization

/// A fast stand-in for Telegram's Bot API on loopback, speaking its protocol
/// (`POST /bot<token>/<method>` with a JSON body, answered `{"ok": true, "result": …}`), for a
/// load the Python fake cannot keep up with. It notes when each chat's `sendMessage` arrived.
final class FakeBotAPI: Sendable {
    let port: Int
    /// The conversational load's waits for replies.
    let replies: ReplyWaiters
    private let arrivals: Arrivals
    private let running: Task<Void, any Error>

    private init(port: Int, replies: ReplyWaiters, arrivals: Arrivals, running: Task<Void, any Error>) {
        self.port = port
        self.replies = replies
        self.arrivals = arrivals
        self.running = running
    }

    static func start(logger: Logger) async throws -> FakeBotAPI {
        let arrivals = Arrivals()
        let replies = ReplyWaiters()
        let router = Router()
        router.post("/{token}/{method}") { request, context -> Response in
            let method = context.parameters.get("method") ?? ""
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
            let chat = (object["chat_id"] as? NSNumber)?.int64Value ?? 0
            let result: String
            switch method {
            case "sendMessage":
                if let text = object["text"] as? String { replies.received(text: text) }
                let id = arrivals.record(chat: chat)
                result = #"{"message_id":\#(id),"date":1700000000,"chat":{"id":\#(chat),"type":"private"},"text":"ok"}"#
            case "editMessageText":
                if let text = object["text"] as? String { replies.received(text: text) }
                result = #"{"message_id":\#((object["message_id"] as? NSNumber)?.intValue ?? 1),"date":1700000000,"chat":{"id":\#(chat),"type":"private"},"text":"ok"}"#
            case "getMe":
                result = #"{"id":123456,"is_bot":true,"first_name":"Bench","username":"bench_bot"}"#
            default:
                result = "true"
            }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"ok":true,"result":\#(result)}"#)))
        }
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { announce.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let running = Task { try await app.runService() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CocoaError(.fileReadUnknown) }
        return FakeBotAPI(port: port, replies: replies, arrivals: arrivals, running: running)
    }

    /// When `sendMessage` reached each chat (monotonic nanoseconds), the first time.
    func arrivalTimes() -> [Int64: UInt64] { arrivals.times() }
}

private final class Arrivals: Sendable {
    private let state = Mutex<(times: [Int64: UInt64], count: Int)>(([:], 0))

    func record(chat: Int64) -> Int {
        let now = monotonicNanoseconds()
        return state.withLock { state in
            state.count += 1
            if state.times[chat] == nil { state.times[chat] = now }
            return state.count
        }
    }

    func times() -> [Int64: UInt64] { state.withLock { $0.times } }
}

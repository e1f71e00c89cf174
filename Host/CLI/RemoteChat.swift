import Foundation
import MarketCore

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `market chat --server URL`: the chat API of a running `market serve`, each message sent
/// with `Accept: text/event-stream` and its reply printed as the events arrive.
struct RemoteChat {
    let server: URL
    let token: String
    let tenant: String
    let user: String

    /// The chat id the API keys the conversation by: one per user, so a later run continues it.
    var chatID: String { "cli-" + user.filter { ($0.isASCII && ($0.isLetter || $0.isNumber)) || "._-".contains($0) }.prefix(100) }

    /// Sends `text`, calling `onEvent` with each event's name and data as it arrives.
    /// - Throws: the server's problem (code, detail and fix) when it refuses the message, or
    ///   the `error` event's when the reply fails.
    func send(_ text: String, onEvent: @escaping @Sendable (String, JSONValue) -> Void) async throws {
        let path = "v1/tenants/\(tenant)/chats/\(chatID)/messages"
        var request = URLRequest(url: server.appendingPathComponent(path))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("text/event-stream", forHTTPHeaderField: "Accept")
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.httpBody = Data(JSONValue.object(["text": .string(text), "user": .string(user)]).jsonText.utf8)
        request.timeoutInterval = 300
        let reader = EventReader(onEvent: onEvent)
        let session = URLSession(configuration: .ephemeral, delegate: reader, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let (status, body) = try await reader.run(session.dataTask(with: request))
        guard status == 200 else { throw Self.problem(status: status, body: body) }
        if let failure = reader.failure { throw failure }
    }

    /// The server's RFC 9457 problem as a `MarketError`.
    static func problem(status: Int, body: Data) -> MarketError {
        let object = (try? JSONValue(parsing: String(decoding: body, as: UTF8.self))) ?? .null
        let code = object["code"]?.stringValue ?? "HTTP_\(status)"
        let detail = object["detail"]?.stringValue ?? "the server answered \(status)"
        let fix = object["fix"]?.stringValue ?? "check --server, --token and --tenant"
        return MarketError(MarketError.Code(rawValue: code), detail, fix: fix)
    }
}

/// Reads a streamed response as it arrives, splitting server-sent events on blank lines.
private final class EventReader: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // @unchecked: URLSession calls the delegate on its serial queue, one callback at a time;
    // `run` reads the state only after the completion callback.
    private let onEvent: @Sendable (String, JSONValue) -> Void
    private var pending = Data()
    private var status = 0
    private var body = Data()
    private var continuation: CheckedContinuation<(Int, Data), any Error>?
    private(set) var failure: MarketError?

    init(onEvent: @escaping @Sendable (String, JSONValue) -> Void) {
        self.onEvent = onEvent
    }

    func run(_ task: URLSessionDataTask) async throws -> (Int, Data) {
        try await withCheckedThrowingContinuation { continuation in
            self.continuation = continuation
            task.resume()
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        status = (response as? HTTPURLResponse)?.statusCode ?? 0
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard status == 200 else {
            body.append(data)
            return
        }
        pending.append(data)
        while let end = pending.range(of: Data("\n\n".utf8)) {
            let block = String(decoding: pending[pending.startIndex..<end.lowerBound], as: UTF8.self)
            pending.removeSubrange(pending.startIndex..<end.upperBound)
            dispatch(block)
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error {
            continuation?.resume(throwing: MarketError(.ioFailed, "the server could not be reached: \(error.localizedDescription)",
                                                       fix: "check --server; is market serve running there?"))
        } else {
            continuation?.resume(returning: (status, body))
        }
        continuation = nil
    }

    private func dispatch(_ block: String) {
        var name = "message"
        var data = ""
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data += line.dropFirst(6) }
        }
        let value = (try? JSONValue(parsing: data)) ?? .null
        if name == "error" {
            failure = MarketError(MarketError.Code(rawValue: value["code"]?.stringValue ?? "INTERNAL"),
                                  value["detail"]?.stringValue ?? "the reply failed", fix: value["fix"]?.stringValue ?? "")
        }
        onEvent(name, value)
    }
}

extension JSONValue {
    /// The string, when this is one.
    fileprivate var stringValue: String? { if case .string(let text) = self { text } else { nil } }
}

import Foundation
import Logging
import MarketCore
import MarketHTTP

/// Calls Telegram's Bot API (`POST {base}/bot{token}/{method}` with a JSON body) through the
/// host's `HTTPClient`, every transfer of the process on its one multi loop.
///
/// The token is part of every URL Telegram expects, so no URL this client builds is ever logged
/// or put into an error: they name `{base}/bot<id>:…/{method}` instead.
public struct BotAPIClient: Sendable {
    /// Telegram's own server; tests and self-hosted Bot API servers give another.
    public static let defaultBase = "https://api.telegram.org"

    /// The base URL without a trailing slash.
    public let base: String
    /// The bot this client speaks for.
    public let token: BotToken
    /// The most a call may take, long polls excepted (they add their own timeout to it).
    public let timeout: Duration

    public init(token: BotToken, base: String = defaultBase, timeout: Duration = .seconds(30)) {
        self.token = token
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.timeout = timeout
    }

    /// What logs and errors show instead of a method's URL.
    public func redactedURL(_ method: String) -> String { "\(base)/bot\(token)/\(method)" }

    /// Calls `method` with `parameters` (encoded as JSON) and decodes its `result`.
    /// - Parameter extraTime: added to the timeout, for long polls.
    /// - Throws: `BotAPIError` when Telegram answers `ok: false`; `TELEGRAM_FAILED` when it
    ///   cannot be reached or answers something that is not the Bot API's JSON.
    public func call<Parameters: Encodable & Sendable, Result: Decodable & Sendable>(
        _ method: String, _ parameters: Parameters, as type: Result.Type = Result.self, extraTime: Duration = .zero
    ) async throws -> Result {
        let body: Data
        do {
            body = try JSONEncoder().encode(parameters)
        } catch {
            throw MarketError(.telegramFailed, "cannot encode the parameters of \(method)", fix: "report this as a bug", underlying: error)
        }
        return try await call(method, body: body, as: type, extraTime: extraTime)
    }

    /// Calls `method` with `body`, its parameters' JSON already written, and decodes its `result`.
    func call<Result: Decodable & Sendable>(_ method: String, body: Data, as type: Result.Type = Result.self,
                                            extraTime: Duration = .zero) async throws -> Result {
        let url = "\(base)/bot\(token.value)/\(method)"
        do {
            let (status, data) = try await post(url, body: body, method: method, timeout: timeout + extraTime)
            let result: Result = try decode(method, status: status, data: data)
            TelegramMetrics.called(method, .success(()))
            return result
        } catch {
            TelegramMetrics.called(method, .failure(error))
            throw error
        }
    }

    private struct Envelope<Result: Decodable>: Decodable {
        struct Parameters: Decodable {
            let retry_after: Int?
            let migrate_to_chat_id: Int64?
        }
        let ok: Bool
        let result: Result?
        let error_code: Int?
        let description: String?
        let parameters: Parameters?
    }

    private func decode<Result: Decodable>(_ method: String, status: Int, data: Data) throws -> Result {
        let envelope: Envelope<Result>
        do {
            envelope = try JSONDecoder().decode(Envelope<Result>.self, from: data)
        } catch {
            throw MarketError(.telegramFailed, "\(redactedURL(method)) answered HTTP \(status) with something that is not the Bot API's JSON",
                              fix: "check the Bot API base URL", underlying: error)
        }
        if envelope.ok, let result = envelope.result { return result }
        throw BotAPIError(method: method, errorCode: envelope.error_code ?? status, reason: envelope.description ?? "no description",
                          retryAfter: envelope.parameters?.retry_after, migrateToChatID: envelope.parameters?.migrate_to_chat_id)
    }

    /// The process's one client; its transfers run on the one multi loop, sharing connections.
    private static let http = HTTPClient()

    private func post(_ url: String, body: Data, method: String, timeout: Duration) async throws -> (Int, Data) {
        do {
            // Answers are small: 8 MiB at most. A read buffer of 4 KB, not curl's 16: answers
            // are mostly under 1 KB, and every reply's call may be in flight at once, each with
            // its buffer (about 1.5 MB at 128 of them).
            let request = HTTPRequest(url: try HTTPURL(url), headers: ["Content-Type: application/json", "Expect:"], body: body,
                                      timeout: timeout, connectTimeout: .seconds(10), maximumResponseBytes: 8 << 20, bufferSize: 4096)
            let response = try await Self.http.send(request)
            return (response.status, response.body)
        } catch let error as HTTPError {
            // A cancelled task stops its transfer within about a second, so stopping a long
            // poll does not wait out its timeout.
            if error.kind == .cancelled { throw CancellationError() }
            throw MarketError(.telegramFailed, "cannot reach \(redactedURL(method)): \(error.reason)",
                              fix: "check the network and the Bot API base URL")
        }
    }
}

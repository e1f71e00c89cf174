import CCurl
import Foundation
import Logging
import MarketCore
import Synchronization

/// Calls Telegram's Bot API (`POST {base}/bot{token}/{method}` with a JSON body) with libcurl,
/// every transfer of the process on one thread (`CurlMultiLoop`).
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

    /// curl_global_init must run once before any handle; Swift runs this initialiser once.
    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

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
        let limit = timeout + extraTime
        let cancel = CancelFlag()
        // A cancelled task stops its transfer within about a second (curl's progress callback),
        // so stopping a long poll does not wait out its timeout.
        let (status, data) = try await withTaskCancellationHandler {
            try await post(url, body: body, method: method, timeout: limit, cancel: cancel)
        } onCancel: {
            cancel.set()
        }
        return try decode(method, status: status, data: data)
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

    private func post(_ url: String, body: Data, method: String, timeout: Duration, cancel: CancelFlag) async throws -> (Int, Data) {
        guard Self.globalInit, let easy = CurlHandles.shared.take() else {
            throw MarketError(.telegramFailed, "libcurl could not start", fix: "free memory on this machine")
        }
        defer { CurlHandles.shared.giveBack(easy) }
        var headers: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Content-Type: application/json")
        headers = curl_slist_append(headers, "Expect:")
        defer { curl_slist_free_all(headers) }
        let sink = ResponseBody()
        mk_curl_set_string(easy, CURLOPT_URL, url)
        mk_curl_set_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        mk_curl_set_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        mk_curl_set_long(easy, CURLOPT_NOSIGNAL, 1)
        mk_curl_set_long(easy, CURLOPT_CONNECTTIMEOUT_MS, 10_000)
        // A read buffer of 4 KB, not curl's 16: answers are mostly under 1 KB, and every reply's
        // call may be in flight at once, each with its buffer (about 1.5 MB at 128 of them).
        mk_curl_set_long(easy, CURLOPT_BUFFERSIZE, 4096)
        mk_curl_set_long(easy, CURLOPT_TIMEOUT_MS, timeout.inMilliseconds)
        mk_curl_set_pointer(easy, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headers))
        mk_curl_set_data_callback(easy, CURLOPT_WRITEFUNCTION, { data, size, count, user in
            guard let user, let data else { return 0 }
            return Unmanaged<ResponseBody>.fromOpaque(user).takeUnretainedValue().receive(data, size * count)
        })
        mk_curl_set_pointer(easy, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque())
        mk_curl_set_long(easy, CURLOPT_NOPROGRESS, 0)
        mk_curl_set_progress_callback(easy) { user, _, _, _, _ in
            guard let user else { return 0 }
            return Unmanaged<CancelFlag>.fromOpaque(user).takeUnretainedValue().isSet ? 1 : 0
        }
        mk_curl_set_pointer(easy, CURLOPT_XFERINFODATA, Unmanaged.passUnretained(cancel).toOpaque())
        // Copied by curl: the transfer outlives this scope's borrow of the bytes.
        body.withUnsafeBytes { bytes in
            mk_curl_set_long(easy, CURLOPT_POSTFIELDSIZE, bytes.count)
            mk_curl_set_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
        }
        let code = await CurlMultiLoop.shared.perform(easy)
        // The callbacks' objects live until the transfer has ended.
        withExtendedLifetime((sink, cancel)) {}
        if code == CURLE_ABORTED_BY_CALLBACK { throw CancellationError() }
        guard code == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(code))
            throw MarketError(.telegramFailed, "cannot reach \(redactedURL(method)): \(reason)",
                              fix: "check the network and the Bot API base URL")
        }
        var status = 0
        mk_curl_get_long(easy, CURLINFO_RESPONSE_CODE, &status)
        return (status, sink.data)
    }

    /// Set when the calling task is cancelled; read by curl's progress callback.
    private final class CancelFlag: Sendable {
        private let flag = Atomic(false)
        var isSet: Bool { flag.load(ordering: .relaxed) }
        func set() { flag.store(true, ordering: .relaxed) }
    }

    /// Easy handles kept between calls, set up again for each (connections are kept by the
    /// multi handle, so replies reuse TLS connections to Telegram across handles).
    private final class CurlHandles: Sendable {
        /// Unchecked: a handle is used by one thread at a time, between `take` and `giveBack`.
        private struct Handle: @unchecked Sendable { let pointer: UnsafeMutableRawPointer }
        static let shared = CurlHandles()
        private let idle = Mutex<[Handle]>([])

        func take() -> UnsafeMutableRawPointer? {
            if let handle = idle.withLock({ $0.popLast() }) {
                curl_easy_reset(handle.pointer)
                return handle.pointer
            }
            return curl_easy_init()
        }

        /// Handles kept idle at most: as many as replies commonly go out at once, so that a busy
        /// host does not make and free a handle (and its buffers) for each call.
        static let idleLimit = 64

        func giveBack(_ pointer: UnsafeMutableRawPointer) {
            let kept = idle.withLock { idle in
                guard idle.count < Self.idleLimit else { return false }
                idle.append(Handle(pointer: pointer))
                return true
            }
            if !kept { curl_easy_cleanup(pointer) }
        }
    }

    /// Collects a response, up to 8 MiB (Bot API answers are small); reached from curl's write
    /// callback on the loop's thread only, while the caller waits.
    private final class ResponseBody {
        var data = Data()

        func receive(_ bytes: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
            guard data.count + count <= 8 << 20 else { return 0 }
            data.append(UnsafeRawBufferPointer(start: bytes, count: count).bindMemory(to: UInt8.self))
            return count
        }
    }
}

import CCurl
import Foundation
import MarketCore

/// A registry served over `http(s)://`, fetched with libcurl on threads of their own, with a
/// connect timeout, a total timeout per file and retries with backoff for failures that may
/// pass (connection errors, timeouts, 5xx).
public struct HTTPTransport: RegistryTransport {
    /// The registry's base URL, without a trailing slash.
    public let base: String
    public let connectTimeout: Duration
    public let timeout: Duration
    /// Further attempts after the first.
    public let retries: Int

    /// curl_global_init must run once before any handle; Swift runs this initialiser once.
    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    public init(base: String, connectTimeout: Duration = .seconds(10), timeout: Duration = .seconds(120), retries: Int = 2) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.retries = max(0, retries)
    }

    public func fetch(_ path: String, maximumBytes: Int64) async throws -> Data {
        try await fetch(path, maximumBytes: maximumBytes, progress: nil)
    }

    public func fetch(_ path: String, maximumBytes: Int64, progress: (@Sendable (Int64) -> Void)?) async throws -> Data {
        let url = "\(base)/\(path)"
        var attempt = 0
        while true {
            do {
                return try await BlockingWork.run { [self] in try get(url, path: path, maximumBytes: maximumBytes, progress: progress) }
            } catch let error as RetryableFailure {
                guard attempt < retries else { throw error.error }
                attempt += 1
                try await Task.sleep(for: .milliseconds(200 << attempt))
            }
        }
    }

    /// A failure worth another attempt.
    private struct RetryableFailure: Error {
        let error: MarketError
    }

    private func get(_ url: String, path: String, maximumBytes: Int64, progress: (@Sendable (Int64) -> Void)?) throws -> Data {
        guard Self.globalInit, let easy = curl_easy_init() else { throw MarketError(.fetchFailed, "libcurl could not start") }
        defer { curl_easy_cleanup(easy) }
        let body = Body(limit: maximumBytes, progress: progress)
        let unmanaged = Unmanaged.passUnretained(body).toOpaque()
        mk_curl_set_string(easy, CURLOPT_URL, url)
        mk_curl_set_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        mk_curl_set_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        // Mirrors and CDNs redirect; what is fetched is checked against signed metadata anyway.
        mk_curl_set_long(easy, CURLOPT_FOLLOWLOCATION, 1)
        mk_curl_set_long(easy, CURLOPT_MAXREDIRS, 5)
        mk_curl_set_long(easy, CURLOPT_NOSIGNAL, 1)
        mk_curl_set_long(easy, CURLOPT_CONNECTTIMEOUT_MS, connectTimeout.inMilliseconds)
        mk_curl_set_long(easy, CURLOPT_TIMEOUT_MS, timeout.inMilliseconds)
        mk_curl_set_data_callback(easy, CURLOPT_WRITEFUNCTION, { data, size, count, user in
            guard let user, let data else { return 0 }
            return Unmanaged<Body>.fromOpaque(user).takeUnretainedValue().receive(data, size * count)
        })
        mk_curl_set_pointer(easy, CURLOPT_WRITEDATA, unmanaged)
        let code = withExtendedLifetime(body) { curl_easy_perform(easy) }
        if body.exceeded { throw RegistryTransportLimit.exceeded(path, maximumBytes) }
        guard code == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(code))
            let failure = MarketError(.fetchFailed, "cannot fetch \(url): \(reason)", fix: "check the registry URL and the network; the fetch was retried \(retries) time(s)")
            switch code {
            case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: throw failure
            default: throw RetryableFailure(error: failure)
            }
        }
        var status = 0
        mk_curl_get_long(easy, CURLINFO_RESPONSE_CODE, &status)
        switch status {
        case 200: return body.data
        case 404, 410: throw MarketError(.notFound, "the registry has no \(path)", fix: "check the registry URL")
        case 500...599: throw RetryableFailure(error: MarketError(.fetchFailed, "\(url) answered HTTP \(status)", fix: "the registry is having trouble; try again later"))
        default: throw MarketError(.fetchFailed, "\(url) answered HTTP \(status)", fix: "check the registry URL")
        }
    }

    /// Collects a response body up to a limit, reached from curl's write callback on the
    /// transfer's own thread only.
    private final class Body {
        let limit: Int64
        let progress: (@Sendable (Int64) -> Void)?
        var data = Data()
        var exceeded = false

        init(limit: Int64, progress: (@Sendable (Int64) -> Void)?) {
            self.limit = limit
            self.progress = progress
        }

        func receive(_ bytes: UnsafeMutablePointer<CChar>, _ count: Int) -> Int {
            guard Int64(data.count + count) <= limit else {
                exceeded = true
                return 0
            }
            data.append(UnsafeRawBufferPointer(start: bytes, count: count).bindMemory(to: UInt8.self))
            progress?(Int64(data.count))
            return count
        }
    }
}

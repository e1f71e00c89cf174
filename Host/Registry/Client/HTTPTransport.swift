import CCurl
import Foundation
import MarketCore

/// A registry served over `http(s)://`, fetched with libcurl on threads of their own, with a
/// connect timeout, a minimum transfer speed, one deadline per file (retries included) and
/// retries with backoff for failures that may pass (connection errors, timeouts, 5xx).
public struct HTTPTransport: RegistryTransport {
    /// The registry's base URL, without a trailing slash.
    public let base: String
    public let connectTimeout: Duration
    /// The most one file may take, every attempt and the waits between them included.
    public let timeout: Duration
    /// Further attempts after the first.
    public let retries: Int
    /// A transfer slower than `minimumBytesPerSecond` for all of `slowWindow` is given up:
    /// a server trickling bytes holds a command for that long, not for the whole deadline.
    public let minimumBytesPerSecond: Int
    public let slowWindow: Duration

    /// curl_global_init must run once before any handle; Swift runs this initialiser once.
    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    public init(base: String, connectTimeout: Duration = .seconds(10), timeout: Duration = .seconds(300), retries: Int = 2,
                minimumBytesPerSecond: Int = 1024, slowWindow: Duration = .seconds(15)) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.retries = max(0, retries)
        self.minimumBytesPerSecond = max(1, minimumBytesPerSecond)
        self.slowWindow = slowWindow
    }

    public func fetch(_ path: String, maximumBytes: Int64) async throws -> Data {
        try await fetch(path, maximumBytes: maximumBytes, progress: nil)
    }

    public func fetch(_ path: String, maximumBytes: Int64, progress: (@Sendable (Int64) -> Void)?) async throws -> Data {
        try RegistryTransportPath.check(path)
        let url = "\(base)/\(path)"
        let deadline = ContinuousClock.now + timeout
        var attempt = 0
        while true {
            let remaining = deadline - ContinuousClock.now
            do {
                guard remaining > .zero else { throw RetryableFailure(error: deadlinePassed(url)) }
                return try await BlockingWork.run { [self] in try get(url, path: path, maximumBytes: maximumBytes, within: remaining, progress: progress) }
            } catch let error as RetryableFailure {
                let pause = Duration.milliseconds(200 << (attempt + 1))
                guard attempt < retries, deadline - ContinuousClock.now > pause else { throw error.error }
                attempt += 1
                try await Task.sleep(for: pause)
            }
        }
    }

    private func deadlinePassed(_ url: String) -> MarketError {
        MarketError(.fetchFailed, "cannot fetch \(url) within \(timeout.inMilliseconds / 1000) s", fix: "the registry is too slow to use; try again later or use a mirror")
    }

    /// A failure worth another attempt.
    private struct RetryableFailure: Error {
        let error: MarketError
    }

    private func get(_ url: String, path: String, maximumBytes: Int64, within remaining: Duration, progress: (@Sendable (Int64) -> Void)?) throws -> Data {
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
        mk_curl_set_long(easy, CURLOPT_TIMEOUT_MS, max(1, remaining.inMilliseconds))
        mk_curl_set_long(easy, CURLOPT_LOW_SPEED_LIMIT, minimumBytesPerSecond)
        mk_curl_set_long(easy, CURLOPT_LOW_SPEED_TIME, max(1, slowWindow.inMilliseconds / 1000))
        mk_curl_set_data_callback(easy, CURLOPT_WRITEFUNCTION, { data, size, count, user in
            guard let user, let data else { return 0 }
            return Unmanaged<Body>.fromOpaque(user).takeUnretainedValue().receive(data, size * count)
        })
        mk_curl_set_pointer(easy, CURLOPT_WRITEDATA, unmanaged)
        let code = withExtendedLifetime(body) { curl_easy_perform(easy) }
        if body.exceeded { throw RegistryTransportLimit.exceeded(path, maximumBytes) }
        guard code == CURLE_OK else {
            let reason = code == CURLE_OPERATION_TIMEDOUT && body.received > 0
                ? "slower than \(minimumBytesPerSecond) bytes/s for \(slowWindow.inMilliseconds / 1000) s, or past the deadline"
                : String(cString: curl_easy_strerror(code))
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
        var received: Int { data.count }

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

import Foundation
import MarketCore
import MarketHTTP

/// A registry served over `http(s)://`, fetched through the host's `HTTPClient` (on its multi
/// loop), with a connect timeout, a minimum transfer speed, one deadline per file (retries
/// included) and retries with backoff for failures that may pass (connection errors, timeouts,
/// 5xx). Redirects are followed (up to 5, http and https only): mirrors and CDNs redirect, and
/// what is fetched is checked against signed metadata anyway.
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

    private static let client = HTTPClient()

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
                return try await get(url, path: path, maximumBytes: maximumBytes, within: remaining, progress: progress)
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

    private func get(_ url: String, path: String, maximumBytes: Int64, within remaining: Duration, progress: (@Sendable (Int64) -> Void)?) async throws -> Data {
        let response: HTTPResponse
        do {
            var request = HTTPRequest(url: try HTTPURL(url), timeout: remaining, connectTimeout: connectTimeout,
                                      minimumSpeed: .init(bytesPerSecond: minimumBytesPerSecond, window: slowWindow),
                                      redirects: .followed(maximum: 5), maximumResponseBytes: maximumBytes)
            request.progress = progress
            response = try await Self.client.send(request)
        } catch let error as HTTPError {
            if error.kind == .tooLarge { throw RegistryTransportLimit.exceeded(path, maximumBytes) }
            let reason = error.kind == .timedOut && error.receivedBytes > 0
                ? "slower than \(minimumBytesPerSecond) bytes/s for \(slowWindow.inMilliseconds / 1000) s, or past the deadline"
                : error.reason
            let failure = MarketError(.fetchFailed, "cannot fetch \(url): \(reason)", fix: "check the registry URL and the network; the fetch was retried \(retries) time(s)")
            guard error.kind != .invalidURL else { throw failure }
            throw RetryableFailure(error: failure)
        }
        switch response.status {
        case 200: return response.body
        case 404, 410: throw MarketError(.notFound, "the registry has no \(path)", fix: "check the registry URL")
        case 500...599: throw RetryableFailure(error: MarketError(.fetchFailed, "\(url) answered HTTP \(response.status)", fix: "the registry is having trouble; try again later"))
        default: throw MarketError(.fetchFailed, "\(url) answered HTTP \(response.status)", fix: "check the registry URL")
        }
    }
}

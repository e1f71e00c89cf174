import Foundation

/// One request for `HTTPClient`: what to send, and the limits of its transfer. Only `http`
/// and `https` are ever spoken, redirects included.
public struct HTTPRequest {
    /// Whether redirects are followed.
    public enum Redirects: Sendable, Equatable {
        /// A redirect is the response (the caller decides, and checks the new URL itself).
        case refused
        /// Up to `maximum` redirects are followed, to http and https URLs only.
        case followed(maximum: Int)
    }

    /// The slowest a transfer may be: below `bytesPerSecond` for all of `window`, it is given
    /// up (`timedOut`), so a server trickling bytes holds a caller that long, not its deadline.
    public struct MinimumSpeed: Sendable, Equatable {
        public var bytesPerSecond: Int
        public var window: Duration

        public init(bytesPerSecond: Int, window: Duration) {
            self.bytesPerSecond = bytesPerSecond
            self.window = window
        }
    }

    public var url: HTTPURL
    /// The method; nil lets libcurl choose (GET, or POST when there is a body).
    public var method: String?
    /// Header lines, `Name: value` (`Name:` removes one libcurl would send).
    public var headers: [String]
    /// The body, copied by libcurl; nil sends none.
    public var body: Data?
    /// The most the whole transfer may take.
    public var timeout: Duration
    /// The most connecting may take; nil: libcurl's default (300 s, within `timeout`).
    public var connectTimeout: Duration?
    public var minimumSpeed: MinimumSpeed?
    public var redirects: Redirects
    /// Checks every address the transfer connects to; nil connects anywhere. A guarded request
    /// never shares a connection with an unguarded one.
    public var addressGuard: AddressGuard?
    /// The largest response body accepted; past it the transfer stops (`tooLarge`), once the
    /// bytes up to it were kept (or handed to `onBody`).
    public var maximumResponseBytes: Int64
    /// libcurl's read buffer; nil: its default (16 KiB). Smaller saves memory when many
    /// small answers are in flight at once.
    public var bufferSize: Int?
    /// Whether the response's headers are kept (`HTTPResponse.headers`).
    public var collectsHeaders: Bool
    /// Receives the body chunk by chunk instead of `HTTPResponse.body` (streaming, server-sent
    /// events); returning false stops the transfer (`refusedByReceiver`). Called on the
    /// transfer's thread.
    public var onBody: ((UnsafeRawBufferPointer) -> Bool)?
    /// Told the body bytes received so far, after each chunk. Called on the transfer's thread.
    public var progress: ((Int64) -> Void)?
    /// Asked at least once a second whether to give up (`cancelled`); a cancelled task stops
    /// its transfer as well.
    public var isCancelled: (() -> Bool)?

    public init(url: HTTPURL, method: String? = nil, headers: [String] = [], body: Data? = nil, timeout: Duration,
                connectTimeout: Duration? = nil, minimumSpeed: MinimumSpeed? = nil, redirects: Redirects = .refused,
                maximumResponseBytes: Int64, bufferSize: Int? = nil, collectsHeaders: Bool = false) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.minimumSpeed = minimumSpeed
        self.redirects = redirects
        self.maximumResponseBytes = maximumResponseBytes
        self.bufferSize = bufferSize
        self.collectsHeaders = collectsHeaders
    }
}

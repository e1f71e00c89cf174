/// Why a transfer did not produce a response. Users turn it into their own errors (a plugin's
/// status, `TELEGRAM_FAILED`, `FETCH_FAILED`); its text never holds the URL, which may carry a
/// secret (a bot token).
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// libcurl cannot parse the URL, or its scheme is neither http nor https.
        case invalidURL
        /// The request's timeout passed, or the transfer was slower than its minimum speed.
        case timedOut
        /// The calling task was cancelled, or the request's `isCancelled` said so.
        case cancelled
        /// The response body went past the request's `maximumResponseBytes`.
        case tooLarge
        /// The request's `onBody` refused a chunk.
        case refusedByReceiver
        /// The request's `addressGuard` refused every address the host resolved to (`refusal`).
        case addressRefused
        /// Anything else: no connection, TLS, a broken response, libcurl could not start.
        case failed
    }

    public let kind: Kind
    /// libcurl's words for it.
    public let reason: String
    /// libcurl's code (`CURLcode`), 0 when the failure is not one of libcurl's.
    public let curlCode: Int
    /// Body bytes received before the failure.
    public let receivedBytes: Int64
    /// The response as far as it came when the failure came after its status (`tooLarge`,
    /// `refusedByReceiver`, a timeout mid-body): status, headers when collected, and the body
    /// kept up to the failure (for `tooLarge`, exactly the first `maximumResponseBytes`).
    public let response: HTTPResponse?
    /// For `addressRefused`: the (last) address refused, and its range.
    public let refusal: AddressRefusal?

    init(_ kind: Kind, _ reason: String, curlCode: Int = 0, receivedBytes: Int64 = 0, response: HTTPResponse? = nil,
         refusal: AddressRefusal? = nil) {
        self.kind = kind
        self.reason = reason
        self.curlCode = curlCode
        self.receivedBytes = receivedBytes
        self.response = response
        self.refusal = refusal
    }

    public var description: String { "HTTP transfer failed (\(kind)): \(reason)" }
}

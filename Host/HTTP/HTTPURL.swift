import CCurl

/// A URL as libcurl parses it. The handle that was parsed is the one a transfer connects with,
/// so a check of its host (the runtime's network permissions) and the connection can never
/// disagree about the host.
public final class HTTPURL: @unchecked Sendable {
    // Unchecked: the handle is written only in `init`; transfers read it (libcurl copies it
    // when a transfer starts), and reads from several threads are safe.
    let handle: OpaquePointer

    /// Parses `text`; throws `HTTPError` (`invalidURL`) when libcurl cannot.
    public init(_ text: String) throws {
        guard let handle = curl_url() else { throw HTTPError(.failed, "libcurl could not start") }
        let parsed = curl_url_set(handle, CURLUPART_URL, text, 0)
        guard parsed == CURLUE_OK else {
            curl_url_cleanup(handle)
            throw HTTPError(.invalidURL, String(cString: curl_url_strerror(parsed)))
        }
        self.handle = handle
    }

    deinit { curl_url_cleanup(handle) }

    /// The scheme, lower-cased.
    public var scheme: String? { part(CURLUPART_SCHEME) }
    /// The host, lower-cased; an IPv6 literal keeps its brackets.
    public var host: String? { part(CURLUPART_HOST) }
    /// The port, the scheme's default when none is written.
    public var port: Int? { part(CURLUPART_PORT, flags: UInt32(CURLU_DEFAULT_PORT)).flatMap { Int($0) } }

    private func part(_ which: CURLUPart, flags: UInt32 = 0) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, which, &value, flags) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value).lowercased()
    }
}

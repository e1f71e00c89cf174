import CCurl

/// The host's one HTTP client, on libcurl: the runtime's `market.http/1`, the Telegram Bot API
/// client and the registry transport all go through it, so libcurl is set up once and every
/// transfer gets the same protocols, proxy and CA settings (`HTTPSettings`) and the limits its
/// request names.
///
/// `send` runs the transfer on the process's one multi loop (`CurlMultiLoop`): any number at
/// once on one thread, sharing its connections. `perform` blocks the calling thread instead,
/// for callers on a thread that waits anyway (a plugin's call); its handles are pooled, each
/// keeping its connections open, so a caller sending many requests to one server reuses them.
///
/// A request with an `addressGuard` never reuses a connection that was not opened under the
/// same guard: `perform` takes its handle from that guard's own pool, and `send` (whose multi
/// loop shares one connection cache) opens a fresh connection and closes it after.
public struct HTTPClient: Sendable {
    public let settings: HTTPSettings

    public init(settings: HTTPSettings = .standard) {
        self.settings = settings
    }

    /// Runs `request` on the multi loop. Cancelling the calling task stops the transfer within
    /// about a second (`cancelled`).
    /// - Throws: `HTTPError`.
    public func send(_ request: sending HTTPRequest) async throws -> HTTPResponse {
        guard CurlGlobal.isReady, let easy = EasyHandles.shared.take() else { throw HTTPError(.failed, "libcurl could not start") }
        defer { EasyHandles.shared.giveBack(easy) }
        let transfer = Transfer(request, settings: settings)
        transfer.configure(easy, watchCancellation: true)
        if transfer.request.addressGuard != nil {
            mk_curl_set_long(easy, CURLOPT_FRESH_CONNECT, 1)
            mk_curl_set_long(easy, CURLOPT_FORBID_REUSE, 1)
        }
        let code = await withTaskCancellationHandler {
            await CurlMultiLoop.shared.perform(easy)
        } onCancel: {
            transfer.cancel()
        }
        return try transfer.finish(code, easy)
    }

    /// Runs `request` on the calling thread, which it blocks until the transfer ends.
    /// - Throws: `HTTPError`.
    public func perform(_ request: HTTPRequest) throws -> HTTPResponse {
        let pool = EasyHandles.blocking(request.addressGuard)
        guard CurlGlobal.isReady, let easy = pool.take() else { throw HTTPError(.failed, "libcurl could not start") }
        defer { pool.giveBack(easy) }
        let transfer = Transfer(request, settings: settings)
        transfer.configure(easy, watchCancellation: false)
        let code = withExtendedLifetime(transfer) { curl_easy_perform(easy) }
        return try transfer.finish(code, easy)
    }
}

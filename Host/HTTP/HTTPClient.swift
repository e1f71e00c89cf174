import CCurl

/// The host's one HTTP client, on libcurl: the runtime's `market.http/1`, the Telegram Bot API
/// client and the registry transport all go through it, so libcurl is set up once and every
/// transfer gets the same protocols, proxy and CA settings (`HTTPSettings`) and the limits its
/// request names.
///
/// `send` runs the transfer on the process's one multi loop (`CurlMultiLoop`): any number at
/// once on one thread, sharing its connections. `perform` blocks the calling thread instead,
/// for callers on a thread that waits anyway (a plugin's call).
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
        guard CurlGlobal.isReady, let easy = curl_easy_init() else { throw HTTPError(.failed, "libcurl could not start") }
        defer { curl_easy_cleanup(easy) }
        let transfer = Transfer(request, settings: settings)
        transfer.configure(easy, watchCancellation: false)
        let code = withExtendedLifetime(transfer) { curl_easy_perform(easy) }
        return try transfer.finish(code, easy)
    }
}

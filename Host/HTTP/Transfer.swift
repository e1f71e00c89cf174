import CCurl
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MarketCore
import Synchronization

/// One request's transfer: sets an easy handle up for it, receives what libcurl's callbacks
/// hand over, and turns the outcome into a response or an `HTTPError`.
///
/// Unchecked Sendable: between `configure` and `finish` only the thread running the transfer
/// touches it (the caller waits meanwhile); `cancel()`, from any thread, sets an atomic flag.
final class Transfer: @unchecked Sendable {
    let request: HTTPRequest
    private let settings: HTTPSettings
    private let cancelled = Atomic(false)
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var body = Data()
    private var headers: [String: String] = [:]
    private var received: Int64 = 0
    private var exceeded = false
    private var refused = false
    /// The last address the request's guard refused to connect to.
    private var refusal: AddressRefusal?
    /// Whether the guard let any address through: a refused connection is then that address's.
    private var opened = false

    /// An empty body's bytes: libcurl reads a NULL body from stdin, so it gets a real pointer.
    private static let emptyBody: StaticString = ""

    init(_ request: HTTPRequest, settings: HTTPSettings) {
        self.request = request
        self.settings = settings
    }

    deinit { curl_slist_free_all(headerList) }

    /// Stops the transfer at libcurl's next progress callback (within about a second).
    func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Sets `easy` up for the request: the one place where protocols, proxies, CA settings,
    /// timeouts, minimum speed, redirects and the size cap are applied to a transfer.
    /// - Parameter watchCancellation: whether the progress callback runs (cancellation checks).
    func configure(_ easy: UnsafeMutableRawPointer, watchCancellation: Bool) {
        let me = Unmanaged.passUnretained(self).toOpaque()
        mk_curl_set_pointer(easy, CURLOPT_CURLU, UnsafeMutableRawPointer(request.url.handle))
        mk_curl_set_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        mk_curl_set_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        mk_curl_set_long(easy, CURLOPT_NOSIGNAL, 1)
        switch request.redirects {
        case .refused:
            mk_curl_set_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        case .followed(let maximum):
            mk_curl_set_long(easy, CURLOPT_FOLLOWLOCATION, 1)
            mk_curl_set_long(easy, CURLOPT_MAXREDIRS, maximum)
        }
        if let proxy = settings.proxy { mk_curl_set_string(easy, CURLOPT_PROXY, proxy) }
        if let noProxy = settings.noProxy { mk_curl_set_string(easy, CURLOPT_NOPROXY, noProxy) }
        if let caBundle = settings.caBundle { mk_curl_set_string(easy, CURLOPT_CAINFO, caBundle) }
        if let caDirectory = settings.caDirectory { mk_curl_set_string(easy, CURLOPT_CAPATH, caDirectory) }
        if request.addressGuard != nil {
            mk_curl_set_opensocket_callback(easy) { user, _, address in
                guard let user, let address else { return CURL_SOCKET_BAD }
                return Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue().openSocket(address)
            }
            mk_curl_set_pointer(easy, CURLOPT_OPENSOCKETDATA, me)
        }

        mk_curl_set_long(easy, CURLOPT_TIMEOUT_MS, max(1, request.timeout.inMilliseconds))
        if let connect = request.connectTimeout { mk_curl_set_long(easy, CURLOPT_CONNECTTIMEOUT_MS, max(1, connect.inMilliseconds)) }
        if let speed = request.minimumSpeed {
            mk_curl_set_long(easy, CURLOPT_LOW_SPEED_LIMIT, max(1, speed.bytesPerSecond))
            mk_curl_set_long(easy, CURLOPT_LOW_SPEED_TIME, max(1, speed.window.inMilliseconds / 1000))
        }
        if let size = request.bufferSize { mk_curl_set_long(easy, CURLOPT_BUFFERSIZE, size) }

        if let method = request.method {
            mk_curl_set_string(easy, CURLOPT_CUSTOMREQUEST, method)
            if method == "HEAD" { mk_curl_set_long(easy, CURLOPT_NOBODY, 1) }
        }
        for line in request.headers { headerList = curl_slist_append(headerList, line) }
        if let headerList { mk_curl_set_pointer(easy, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList)) }
        if let body = request.body {
            mk_curl_set_offset(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            if body.isEmpty {
                mk_curl_set_pointer(easy, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: Self.emptyBody.utf8Start))
            } else {
                // Copied by libcurl: the transfer may outlive this borrow of the bytes.
                _ = body.withUnsafeBytes { mk_curl_set_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress)) }
            }
        }

        mk_curl_set_data_callback(easy, CURLOPT_WRITEFUNCTION) { data, size, count, user in
            guard let user else { return 0 }
            return Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue().receive(UnsafeRawBufferPointer(start: data, count: size * count))
        }
        mk_curl_set_pointer(easy, CURLOPT_WRITEDATA, me)
        if request.collectsHeaders {
            mk_curl_set_data_callback(easy, CURLOPT_HEADERFUNCTION) { data, size, count, user in
                guard let user, let data else { return 0 }
                Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
                    .header(String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self))
                return size * count
            }
            mk_curl_set_pointer(easy, CURLOPT_HEADERDATA, me)
        }
        if watchCancellation || request.isCancelled != nil {
            mk_curl_set_long(easy, CURLOPT_NOPROGRESS, 0)
            mk_curl_set_progress_callback(easy) { user, _, _, _, _ in
                guard let user else { return 0 }
                return Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue().shouldStop ? 1 : 0
            }
            mk_curl_set_pointer(easy, CURLOPT_XFERINFODATA, me)
        }
    }

    /// The response, or why there is none, once libcurl has ended the transfer with `code`.
    func finish(_ code: CURLcode, _ easy: UnsafeMutableRawPointer) throws(HTTPError) -> HTTPResponse {
        let reason = String(cString: curl_easy_strerror(code))
        var status = 0
        mk_curl_get_long(easy, CURLINFO_RESPONSE_CODE, &status)
        let response = HTTPResponse(status: status, headers: headers, body: body)
        let failure = { (kind: HTTPError.Kind, reason: String) in
            HTTPError(kind, reason, curlCode: Int(code.rawValue), receivedBytes: self.received, response: status == 0 ? nil : response,
                      refusal: self.refusal)
        }
        if exceeded { throw failure(.tooLarge, "the response is larger than \(request.maximumResponseBytes) bytes") }
        if refused { throw failure(.refusedByReceiver, "the receiver of the body stopped the transfer") }
        switch code {
        case CURLE_OK: return response
        case CURLE_COULDNT_CONNECT where refusal != nil && !opened: throw failure(.addressRefused, "the address is in a refused range")
        case CURLE_OPERATION_TIMEDOUT: throw failure(.timedOut, reason)
        case CURLE_ABORTED_BY_CALLBACK: throw failure(.cancelled, reason)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: throw failure(.invalidURL, reason)
        default: throw failure(.failed, reason)
        }
    }

    private var shouldStop: Bool {
        cancelled.load(ordering: .relaxed) || request.isCancelled?() == true
    }

    /// Keeps (or hands on) the bytes up to the cap; the chunk that crosses it is cut there and
    /// the transfer stopped, so a caller asking for a prefix gets exactly that much.
    private func receive(_ bytes: UnsafeRawBufferPointer) -> Int {
        let room = max(0, request.maximumResponseBytes - received)
        received += Int64(bytes.count)
        let kept = Int64(bytes.count) <= room ? bytes : UnsafeRawBufferPointer(rebasing: bytes.prefix(Int(room)))
        if !kept.isEmpty {
            if let onBody = request.onBody {
                guard onBody(kept) else {
                    refused = true
                    return 0
                }
            } else {
                body.append(contentsOf: kept)
            }
        }
        guard kept.count == bytes.count else {
            exceeded = true
            return 0
        }
        request.progress?(received)
        return bytes.count
    }

    /// libcurl's socket for one connection attempt: made only when the guard lets the address
    /// through. Each address of a name is tried this way, so a refused one is skipped for the next.
    private func openSocket(_ address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
        let offset = MemoryLayout<curl_sockaddr>.offset(of: \curl_sockaddr.addr) ?? 0
        let socketAddress = UnsafeRawPointer(address).advanced(by: offset).assumingMemoryBound(to: sockaddr.self)
        guard let checked = IPAddress(socketAddress) else { return CURL_SOCKET_BAD }
        if let refusal = request.addressGuard?.refusal(of: checked) {
            self.refusal = refusal
            return CURL_SOCKET_BAD
        }
        opened = true
        // Close-on-exec, as libcurl's own sockets: plugins may start helper programs.
        return socket(address.pointee.family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.protocol)
    }

    /// Keeps the last response's headers: a status line (after a redirect or a 100) starts over.
    private func header(_ line: String) {
        if line.hasPrefix("HTTP/") {
            headers = [:]
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        headers[name] = headers[name].map { "\($0), \(value)" } ?? value
    }
}

import CCurl
import Foundation
import MarketCore
import MarketPluginAPI
import PluginKit

/// `market.http/1`: outbound HTTP through libcurl, limited to the hosts the manifest declares.
///
/// The URL is parsed once by curl's own parser and that parsed handle is what curl connects
/// to, so the permission check and the connection can never disagree about the host.
enum HTTPService {
    nonisolated(unsafe) static let table = ServiceTables.table(mk_http_v1_t(
        struct_size: UInt32(MemoryLayout<mk_http_v1_t>.size),
        fetch: { host, request, call, status, headers, body in
            ServiceTables.serve(host) { context in
                guard let request, request.pointee.struct_size >= UInt32(MemoryLayout<mk_http_request_t>.size) else {
                    return MK_ERR_INVALID_ARGUMENT
                }
                return perform(context, request.pointee, call, status, headers, body)
            }
        }
    ))

    private static let emptyBody: StaticString = ""

    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    static func perform(_ context: InstanceContext, _ request: mk_http_request_t, _ call: UnsafePointer<mk_call_t>?,
                        _ status: UnsafeMutablePointer<Int32>?, _ headerSink: UnsafeMutablePointer<mk_sink_t>?,
                        _ bodySink: UnsafeMutablePointer<mk_sink_t>?) -> mk_status_t {
        guard globalInit, let url = curl_url() else { return MK_ERR_UNAVAILABLE }
        defer { curl_url_cleanup(url) }
        let method = request.method.string
        guard curl_url_set(url, CURLUPART_URL, request.url.string, 0) == CURLUE_OK,
              let scheme = part(url, CURLUPART_SCHEME), scheme == "http" || scheme == "https",
              let rawHost = part(url, CURLUPART_HOST),
              let port = part(url, CURLUPART_PORT, flags: UInt32(CURLU_DEFAULT_PORT)).flatMap(Int.init),
              !method.isEmpty, method.utf8.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) })
        else { return MK_ERR_INVALID_ARGUMENT }
        let hostName = rawHost.hasPrefix("[") ? String(rawHost.dropFirst().dropLast()) : rawHost
        guard context.network.allows(host: hostName, port: port) else {
            context.denied("http \(hostName):\(port)", fix: "add \"\(hostName)\" to permissions.network in plugin.json")
            return MK_ERR_PERMISSION_DENIED
        }
        guard let easy = curl_easy_init() else { return MK_ERR_UNAVAILABLE }
        defer { curl_easy_cleanup(easy) }

        let limits = context.services.http
        let cap = request.max_response_bytes == 0 ? limits.defaultMaximumResponseBytes : min(request.max_response_bytes, limits.maximumResponseBytes)
        let transfer = Transfer(body: bodySink, cap: cap, call: call)
        var timeout = UInt64(request.timeout_ms == 0 ? limits.defaultTimeoutMilliseconds : min(request.timeout_ms, limits.maximumTimeoutMilliseconds))
        if let deadline = call?.pointee.deadline_ns, deadline != 0 {
            let now = monotonicNanoseconds()
            guard deadline > now else { return MK_ERR_TIMEOUT }
            timeout = min(timeout, max(1, (deadline - now) / 1_000_000))
        }

        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for index in 0..<request.header_count {
            guard let header = request.headers?[index] else { return MK_ERR_INVALID_ARGUMENT }
            let name = header.name.string
            let value = header.value.string
            guard !name.isEmpty, !(name + value).contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }), !name.contains(":") else {
                return MK_ERR_INVALID_ARGUMENT
            }
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }

        let unmanaged = Unmanaged.passUnretained(transfer).toOpaque()
        mk_curl_set_pointer(easy, CURLOPT_CURLU, UnsafeMutableRawPointer(url))
        mk_curl_set_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        mk_curl_set_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        mk_curl_set_long(easy, CURLOPT_NOSIGNAL, 1)
        mk_curl_set_long(easy, CURLOPT_TIMEOUT_MS, Int(timeout))
        mk_curl_set_string(easy, CURLOPT_CUSTOMREQUEST, method)
        if method == "HEAD" { mk_curl_set_long(easy, CURLOPT_NOBODY, 1) }
        mk_curl_set_pointer(easy, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList))
        if request.body.len > 0 || method == "POST" || method == "PUT" || method == "PATCH" {
            mk_curl_set_offset(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.len))
            mk_curl_set_pointer(easy, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: request.body.ptr.map(UnsafeRawPointer.init) ?? UnsafeRawPointer(emptyBody.utf8Start)))
        }
        mk_curl_set_data_callback(easy, CURLOPT_WRITEFUNCTION, { data, size, count, user in
            guard let user else { return 0 }
            return Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue().receive(data, size * count)
        })
        mk_curl_set_pointer(easy, CURLOPT_WRITEDATA, unmanaged)
        mk_curl_set_data_callback(easy, CURLOPT_HEADERFUNCTION, { data, size, count, user in
            guard let user, let data else { return 0 }
            Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue().header(String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self))
            return size * count
        })
        mk_curl_set_pointer(easy, CURLOPT_HEADERDATA, unmanaged)
        if call != nil {
            mk_curl_set_long(easy, CURLOPT_NOPROGRESS, 0)
            mk_curl_set_progress_callback(easy) { user, _, _, _, _ in
                guard let user else { return 0 }
                return Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue().isCancelled ? 1 : 0
            }
            mk_curl_set_pointer(easy, CURLOPT_XFERINFODATA, unmanaged)
        }

        let code = withExtendedLifetime(transfer) { curl_easy_perform(easy) }
        switch code {
        case CURLE_OK:
            var responseCode = 0
            mk_curl_get_long(easy, CURLINFO_RESPONSE_CODE, &responseCode)
            status?.pointee = Int32(clamping: responseCode)
            let names = JSONValue.object(transfer.headers.mapValues(JSONValue.string)).jsonText
            return PluginKit.write(names, to: headerSink).rawValue
        case CURLE_WRITE_ERROR: return transfer.abortStatus
        case CURLE_OPERATION_TIMEDOUT: return MK_ERR_TIMEOUT
        case CURLE_ABORTED_BY_CALLBACK:
            return call.map { $0.pointee.deadline_ns != 0 && monotonicNanoseconds() >= $0.pointee.deadline_ns } == true ? MK_ERR_TIMEOUT : MK_ERR_CANCELLED
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: return MK_ERR_INVALID_ARGUMENT
        default: return MK_ERR_UNAVAILABLE
        }
    }

    private static func part(_ url: OpaquePointer, _ which: CURLUPart, flags: UInt32 = 0) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(url, which, &value, flags) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value).lowercased()
    }

    /// The state of one transfer, reached from curl's callbacks.
    private final class Transfer {
        let body: UnsafeMutablePointer<mk_sink_t>?
        let cap: UInt64
        let call: UnsafePointer<mk_call_t>?
        var received: UInt64 = 0
        var headers: [String: String] = [:]
        var abortStatus: mk_status_t = MK_ERR_UNAVAILABLE

        init(body: UnsafeMutablePointer<mk_sink_t>?, cap: UInt64, call: UnsafePointer<mk_call_t>?) {
            self.body = body
            self.cap = cap
            self.call = call
        }

        var isCancelled: Bool {
            guard let call, let check = call.pointee.is_cancelled else { return false }
            return check(call) != 0
        }

        func receive(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
            received += UInt64(count)
            guard received <= cap else {
                abortStatus = MK_ERR_TOO_LARGE
                return 0
            }
            guard let body, let write = body.pointee.write else { return count }
            let status = write(body.pointee.ctx, data, count)
            guard status == MK_OK else {
                abortStatus = status
                return 0
            }
            return count
        }

        func header(_ line: String) {
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
}

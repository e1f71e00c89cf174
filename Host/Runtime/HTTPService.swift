import Foundation
import MarketCore
import MarketHTTP
import MarketPluginAPI
import PluginKit

/// `market.http/1`: outbound HTTP through the host's `HTTPClient`, limited to the hosts the
/// manifest declares.
///
/// The URL is parsed once by curl's own parser and that parsed handle is what curl connects
/// to, so the permission check and the connection can never disagree about the host. No
/// redirect is followed: a redirect is the plugin's response, and a new URL is checked again.
/// A host allowed only by a wildcard grant is a URL someone else chose (a webhook endpoint's),
/// so each address it is connected to must be public or in a range the operator allowed
/// (`AddressGuard`, docs/decisions.md "Outbound HTTP to untrusted destinations").
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

    /// Plugins' calls run on their own threads, which wait anyway: `perform`, not the multi loop.
    private static let client = HTTPClient()

    static func perform(_ context: InstanceContext, _ request: mk_http_request_t, _ call: UnsafePointer<mk_call_t>?,
                        _ status: UnsafeMutablePointer<Int32>?, _ headerSink: UnsafeMutablePointer<mk_sink_t>?,
                        _ bodySink: UnsafeMutablePointer<mk_sink_t>?) -> mk_status_t {
        let method = request.method.string
        guard let url = try? HTTPURL(request.url.string),
              let scheme = url.scheme, scheme == "http" || scheme == "https",
              let rawHost = url.host, let port = url.port,
              !method.isEmpty, method.utf8.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) })
        else { return MK_ERR_INVALID_ARGUMENT }
        let hostName = rawHost.hasPrefix("[") ? String(rawHost.dropFirst().dropLast()) : rawHost
        guard let grant = context.network.grant(host: hostName, port: port) else {
            context.denied("http \(hostName):\(port)", fix: "add \"\(hostName)\" to permissions.network in plugin.json")
            return MK_ERR_PERMISSION_DENIED
        }

        let limits = context.services.http
        let cap = request.max_response_bytes == 0 ? limits.defaultMaximumResponseBytes : min(request.max_response_bytes, limits.maximumResponseBytes)
        var timeout = UInt64(request.timeout_ms == 0 ? limits.defaultTimeoutMilliseconds : min(request.timeout_ms, limits.maximumTimeoutMilliseconds))
        if let deadline = call?.pointee.deadline_ns, deadline != 0 {
            let now = monotonicNanoseconds()
            guard deadline > now else { return MK_ERR_TIMEOUT }
            timeout = min(timeout, max(1, (deadline - now) / 1_000_000))
        }

        var headerLines: [String] = []
        for index in 0..<request.header_count {
            guard let header = request.headers?[index] else { return MK_ERR_INVALID_ARGUMENT }
            let name = header.name.string
            let value = header.value.string
            // Bytes, not Characters or Foundation's substring search: this runs for every header of every request.
            guard !name.isEmpty, !name.utf8.contains(UInt8(ascii: ":")),
                  !name.utf8.contains(where: Self.breaksHeader), !value.utf8.contains(where: Self.breaksHeader) else {
                return MK_ERR_INVALID_ARGUMENT
            }
            headerLines.append("\(name): \(value)")
        }

        let hasBody = request.body.len > 0 || method == "POST" || method == "PUT" || method == "PATCH"
        var http = HTTPRequest(
            url: url, method: method, headers: headerLines,
            body: hasBody ? request.body.ptr.map { Data(bytes: $0, count: request.body.len) } ?? Data() : nil,
            timeout: .milliseconds(Int64(clamping: timeout)), redirects: .refused,
            maximumResponseBytes: Int64(clamping: cap), collectsHeaders: true)
        if grant == .wildcard { http.addressGuard = AddressGuard(allowing: limits.allowedRanges) }
        let sinkStatus = SinkStatus()
        if let bodySink, let write = bodySink.pointee.write {
            let sinkContext = bodySink.pointee.ctx
            http.onBody = { bytes in
                let written = write(sinkContext, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
                sinkStatus.status = written
                return written == MK_OK
            }
        }
        if let call, let check = call.pointee.is_cancelled {
            http.isCancelled = { check(call) != 0 }
        }

        /// The status and headers, written on success and, since ABI 1.1, before MK_ERR_TOO_LARGE
        /// too: a plugin asking for a prefix of a large body learns what it is a prefix of.
        func report(_ response: MarketHTTP.HTTPResponse) -> mk_status_t {
            status?.pointee = Int32(clamping: response.status)
            return PluginKit.write(headerObject(response.headers), to: headerSink).rawValue
        }
        do {
            return report(try client.perform(http))
        } catch let error as HTTPError {
            switch error.kind {
            case .refusedByReceiver: return sinkStatus.status
            case .tooLarge:
                if let response = error.response { _ = report(response) }
                return MK_ERR_TOO_LARGE
            case .addressRefused:
                let range = error.refusal?.range.rawValue ?? "the range"
                context.denied("http \(hostName):\(port): \(error.refusal.map(String.init(describing:)) ?? "a guarded address")",
                               fix: "only a wildcard in permissions.network allows \(hostName); allow the range with "
                                   + "`market serve --allow-network \(range)` (or MARKET_ALLOW_NETWORK=\(range)), or name the host in plugin.json")
                return MK_ERR_PERMISSION_DENIED
            case .timedOut: return MK_ERR_TIMEOUT
            case .cancelled:
                return call.map { $0.pointee.deadline_ns != 0 && monotonicNanoseconds() >= $0.pointee.deadline_ns } == true ? MK_ERR_TIMEOUT : MK_ERR_CANCELLED
            case .invalidURL: return MK_ERR_INVALID_ARGUMENT
            case .failed: return MK_ERR_UNAVAILABLE
            }
        } catch {
            return MK_ERR_UNAVAILABLE
        }
    }

    /// CR, LF and NUL end a header line early (header injection).
    private static func breaksHeader(_ byte: UInt8) -> Bool { byte == 0x0D || byte == 0x0A || byte == 0 }

    /// The response headers as the JSON object `PluginKit` reads, in no particular order
    /// (sorting them, as `JSONValue.jsonText` does, costs more than the plugin reads).
    static func headerObject(_ headers: [String: String]) -> String {
        var text = "{"
        for (name, value) in headers {
            if text.utf8.count > 1 { text += "," }
            text += JSONValue.string(name).jsonText + ":" + JSONValue.string(value).jsonText
        }
        return text + "}"
    }

    /// What the plugin's body sink answered last; read after the transfer, on the same thread.
    private final class SinkStatus {
        var status: mk_status_t = MK_OK
    }
}

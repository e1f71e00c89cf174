import Foundation
import JSONScanning
import MarketPluginAPI

/// An HTTP request, outbound through `PluginHost.fetch` or inbound to an `IngressPlugin`.
public struct HTTPRequest: Sendable {
    public var method: String
    /// Outbound: an absolute URL. Inbound: the path and query below the plugin's hook.
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Outbound: the whole-request limit in milliseconds; 0 is the host's default.
    public var timeoutMilliseconds: UInt32
    /// Outbound: the largest body accepted; 0 is the host's default.
    public var maxResponseBytes: UInt64
    /// Outbound: whether a body longer than `maxResponseBytes` is an answer (its status, headers
    /// and first bytes, `HTTPResponse.truncated` set) rather than a thrown `.tooLarge`, for a
    /// caller that only wants the start of the body, such as an attempt log. Needs a host that
    /// reports the status with MK_ERR_TOO_LARGE (market/http.h); an older one still throws.
    public var acceptsTruncatedBody: Bool

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                timeoutMilliseconds: UInt32 = 0, maxResponseBytes: UInt64 = 0, acceptsTruncatedBody: Bool = false) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxResponseBytes = maxResponseBytes
        self.acceptsTruncatedBody = acceptsTruncatedBody
    }

    init(_ raw: UnsafePointer<mk_http_request_t>) {
        let request = raw.pointee
        self.init(method: request.method.string, url: request.url.string,
                  headers: (0..<request.header_count).compactMap { index in
                      request.headers.map { ($0[index].name.string, $0[index].value.string) }
                  },
                  body: Array(request.body.buffer))
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Lower-cased names (outbound); whatever the plugin sets (inbound).
    public var headers: [String: String]
    public var body: [UInt8]
    /// Whether `body` is only the start of a longer one (see `HTTPRequest.acceptsTruncatedBody`).
    public var truncated: Bool

    public init(status: Int = 200, headers: [String: String] = [:], body: [UInt8] = [], truncated: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.truncated = truncated
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

extension PluginHost {
    /// Performs an HTTP request through the host (only to hosts the manifest declares).
    /// `onChunk`, when given, sees the body as it arrives, e.g. for server-sent events.
    /// The returned response's body is then empty. An error thrown by `onChunk` stops the
    /// transfer and is rethrown.
    public func fetch(_ request: HTTPRequest, context: CallContext? = nil, onChunk: (([UInt8]) throws -> Void)? = nil) throws -> HTTPResponse {
        guard let fetch = httpTable?.pointee.fetch else { throw PluginError(.unsupported, "the host offers no HTTP client") }
        let headers = SinkBuffer()
        let body = ChunkSink(onChunk)
        var status: Int32 = 0
        let strings = [request.method, request.url] + request.headers.flatMap { [$0.name, $0.value] }
        let result = withBorrowedStrings(strings) { borrowed in
            let pairs = stride(from: 2, to: borrowed.count, by: 2).map { mk_http_header_t(name: borrowed[$0], value: borrowed[$0 + 1]) }
            return pairs.withUnsafeBufferPointer { pairs in
                request.body.withUnsafeBufferPointer { bytes in
                    var outbound = mk_http_request_t(
                        struct_size: UInt32(MemoryLayout<mk_http_request_t>.size), method: borrowed[0], url: borrowed[1],
                        headers: pairs.baseAddress, header_count: pairs.count,
                        body: mk_str_t(ptr: UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), len: bytes.count),
                        timeout_ms: request.timeoutMilliseconds, max_response_bytes: request.maxResponseBytes)
                    return headers.withSink { headerSink in
                        body.withSink { bodySink in fetch(raw, &outbound, context?.raw, &status, headerSink, bodySink) }
                    }
                }
            }
        }
        if let failure = body.failure { throw failure }
        let outcome = Status(code: result)
        let truncated = outcome == .tooLarge && request.acceptsTruncatedBody && status != 0
        // Only the origin: a path or query may hold a secret (a webhook URL's key, a token).
        if !truncated && outcome != .ok { try check(outcome, "\(request.method) \(Self.origin(of: request.url))/…") }
        let names = Self.headerObject(headers.bytes)
        return HTTPResponse(status: Int(status), headers: names, body: body.bytes, truncated: truncated)
    }
}

extension PluginHost {
    /// The host's response headers, a JSON object of names to strings, read in place: every
    /// request pays for this, and a JSONDecoder cost more than the rest of a small fetch.
    /// Members that are not strings are left out; something that is no object gives none.
    static func headerObject(_ json: [UInt8]) -> [String: String] {
        json.withUnsafeBytes { bytes in
            var scanner = JSONScanner(bytes)
            var names: [String: String] = [:]
            guard scanner.consume(UInt8(ascii: "{")) else { return [:] }
            if scanner.consume(UInt8(ascii: "}")) { return [:] }
            repeat {
                guard let name = scanner.string(), scanner.consume(UInt8(ascii: ":")) else { return [:] }
                scanner.skipWhitespace()
                if scanner.peek == UInt8(ascii: "\""), let value = scanner.string() {
                    names[scanner.text(of: name)] = scanner.text(of: value)
                } else if !scanner.skipValue(depth: 1) {
                    return [:]
                }
            } while scanner.consume(UInt8(ascii: ","))
            return scanner.consume(UInt8(ascii: "}")) ? names : [:]
        }
    }

    /// `https://host:port` of an absolute URL: what an error may name of a request.
    static func origin(of url: String) -> String {
        guard let scheme = url.range(of: "://") else { return "(a URL)" }
        let authority = url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        // user:password@ is a secret too.
        let host = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? authority
        return String(url[..<scheme.upperBound]) + String(host)
    }
}

/// The body sink of `PluginHost.fetch`: collects the body, or hands each chunk to a closure.
private final class ChunkSink {
    let handler: (([UInt8]) throws -> Void)?
    private(set) var bytes: [UInt8] = []
    private(set) var failure: (any Error)?

    init(_ handler: (([UInt8]) throws -> Void)?) {
        self.handler = handler
    }

    func receive(_ pointer: UnsafePointer<CChar>?, _ count: Int) -> mk_status_t {
        let chunk = UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count)
        guard let handler else {
            bytes.append(contentsOf: chunk)
            return MK_OK
        }
        do {
            try handler(Array(chunk))
            return MK_OK
        } catch {
            failure = error
            return MK_ERR_CANCELLED
        }
    }

    func withSink<Result>(_ body: (UnsafeMutablePointer<mk_sink_t>) -> Result) -> Result {
        var sink = mk_sink_t(
            struct_size: UInt32(MemoryLayout<mk_sink_t>.size),
            ctx: Unmanaged.passUnretained(self).toOpaque(),
            write: { context, pointer, count in
                guard let context else { return MK_ERR_INTERNAL }
                return Unmanaged<ChunkSink>.fromOpaque(context).takeUnretainedValue().receive(pointer, count)
            }
        )
        return withExtendedLifetime(self) { body(&sink) }
    }
}

/// Borrows several strings at once as `mk_str_t`s, valid inside `body`.
func withBorrowedStrings<Result>(_ strings: [String], _ body: ([mk_str_t]) throws -> Result) rethrows -> Result {
    var joined: [UInt8] = []
    var ranges: [Range<Int>] = []
    for text in strings {
        let start = joined.count
        joined.append(contentsOf: text.utf8)
        ranges.append(start..<joined.count)
    }
    return try joined.withUnsafeBufferPointer { buffer in
        let base = UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
        return try body(ranges.map { range in mk_str_t(ptr: base.map { $0 + range.lowerBound }, len: range.count) })
    }
}

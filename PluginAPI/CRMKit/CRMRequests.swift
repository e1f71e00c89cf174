import Foundation
import PluginKit

/// JSON requests to a cloud CRM through `market.http/1`, paced per account, with the CRM's
/// answer turned into the contract's errors: 401/403 `UNAUTHENTICATED`, 429 `RATE_LIMITED`
/// (with the Retry-After), other 4xx and 5xx `UPSTREAM` — each quoting the CRM's own words and
/// never a token.
public struct CRMRequests: Sendable {
    public let host: PluginHost
    /// "amoCRM", "Bitrix24", "HubSpot": named in error messages.
    public let service: String
    public let pacer: RequestPacer
    /// How long one request may take, in milliseconds.
    public var timeoutMilliseconds: UInt32 = 15_000

    public init(host: PluginHost, service: String, pacer: RequestPacer) {
        self.host = host
        self.service = service
        self.pacer = pacer
    }

    /// Sends one request (after waiting for its slot) and answers the response whatever its
    /// status; only a failure to reach the CRM throws (`UNAVAILABLE`, `TIMEOUT`).
    public func send(_ method: String, _ url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                     context: CallContext?) throws -> HTTPResponse {
        let ticket = try pacer.waitForSlot(context: context, replicas: host.replicas)
        defer { pacer.ended(ticket) }
        var all = headers
        if !body.isEmpty, !all.contains(where: { $0.name.lowercased() == "content-type" }) {
            all.append((name: "Content-Type", value: "application/json"))
        }
        all.append((name: "Accept", value: "application/json"))
        do {
            let response = try host.fetch(HTTPRequest(method: method, url: url, headers: all, body: body, timeoutMilliseconds: timeoutMilliseconds),
                                          context: context)
            if response.status == 429 { pacer.pause(milliseconds: Self.retryAfterMilliseconds(response) ?? 1_000) }
            return response
        } catch let error as PluginError where error.status == .unavailable {
            throw PluginError(.unavailable, "\(service) could not be reached: \(error.message)")
        }
    }

    /// The error for a response the caller did not expect, quoting `detail` (the CRM's own
    /// error text, which the caller extracts from its error shape).
    public func failure(_ response: HTTPResponse, detail: String) -> PluginError {
        let said = detail.isEmpty ? "" : ": \(detail.prefix(500))"
        switch response.status {
        case 401, 403:
            return PluginError(.unauthenticated, "\(service) refused the credentials (HTTP \(response.status)\(said)); reconnect with `market connections set` or `market connections authorize`")
        case 429:
            let wait = Self.retryAfterMilliseconds(response) ?? 1_000
            return PluginError(.rateLimited, "\(service) is rate limiting (HTTP 429\(said)); try again in \(wait) ms", retryAfterMilliseconds: UInt32(clamping: wait))
        default:
            return PluginError(.upstream, "\(service) answered HTTP \(response.status)\(said)")
        }
    }

    /// The CRM's Retry-After in milliseconds, at most an hour.
    public static func retryAfterMilliseconds(_ response: HTTPResponse) -> UInt64? {
        response.retryAfterMilliseconds().map { min($0, 3_600_000) }
    }

    /// Encodes `value` as a JSON body.
    public static func json(_ value: some Encodable) throws -> [UInt8] {
        try PluginJSON.encode(value)
    }

    /// Decodes a response body, saying which service answered something unexpected.
    public func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse, what: String) throws -> T {
        do {
            return try PluginJSON.decode(type, from: response.body)
        } catch {
            throw unexpected(response, what: what)
        }
    }

    /// A response body to read by hand (`JSONView`); throws as `decode` when it is not JSON.
    public func view(_ response: HTTPResponse, what: String) throws -> JSONView {
        do {
            return try JSONView(parsing: response.body)
        } catch {
            throw unexpected(response, what: what)
        }
    }

    /// The error for an answer in a shape the plugin does not know, quoting its start.
    public func unexpected(_ response: HTTPResponse, what: String) -> PluginError {
        PluginError(.upstream, "\(service) answered \(what) in a shape this plugin does not know (HTTP \(response.status)): \(String(decoding: response.body.prefix(200), as: UTF8.self))")
    }
}

/// Percent-encoding for a query value or a path segment: everything but unreserved ASCII
/// (RFC 3986: letters, digits, `-._~`) and the bytes of `keeping` as %XX of its UTF-8 bytes.
/// Byte by byte, since Foundation's CharacterSet lookups cost more than the request they build.
public func percentEncoded(_ text: String, keeping: String = "") -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    let kept = Array(keeping.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count * 3)
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.append(byte)
        case _ where kept.contains(byte):
            out.append(byte)
        default:
            out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
        }
    }
    return String(decoding: out, as: UTF8.self)
}

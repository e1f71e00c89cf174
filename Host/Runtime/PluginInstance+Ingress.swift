import MarketCore
import MarketPluginAPI
import PluginKit

/// A plugin's answer to an inbound hook request.
public struct IngressResponse: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: [UInt8]
}

extension PluginInstance {
    /// Hands an inbound HTTP request to the plugin (`market.ingress/1`). `path` is the path
    /// and query below the plugin's hook.
    public func handleIngress(method: String, path: String, headers: [(name: String, value: String)], body: [UInt8],
                              timeout: Duration? = nil) async throws -> IngressResponse {
        guard let ingress = ingressTable, library.manifest.permissions.ingress else {
            throw MarketError(.capabilityMissing, "\(pluginID) handles no inbound HTTP", fix: "set permissions.ingress and offer market.ingress/1")
        }
        // The table is static data in a library that is never unloaded.
        let table = UncheckedSendable(ingress)
        let token = CallToken(timeout: timeout ?? limits.defaultTimeout)
        let what = "\(pluginID): hook \(method) \(path)"
        return try await call(.ingress, token: token, what: what) {
            let responseHeaders = SinkBuffer(limit: self.limits.maximumErrorBytes)
            let responseBody = SinkBuffer(limit: self.limits.maximumResultBytes)
            var status: Int32 = 0
            let result = try self.entered(token) {
                token.withCall(context: JSONValue.object(["tenant_id": .string(self.tenantID)]).jsonText) { call in
                    withBorrowedRequest(method: method, url: path, headers: headers, body: body) { request in
                        responseHeaders.withSink { headerSink in
                            responseBody.withSink { bodySink in table.value.pointee.handle(self.handle, request, call, &status, headerSink, bodySink) }
                        }
                    }
                }
            }
            guard result == MK_OK else { throw self.failure(result, SinkBuffer(), what, token: token) }
            guard !responseHeaders.overflowed else {
                throw MarketError(.resultTooLarge, "\(what) answered more than \(responseHeaders.limit) bytes of headers")
            }
            guard !responseBody.overflowed else {
                throw MarketError(.resultTooLarge, "\(what) answered more than \(responseBody.limit) bytes")
            }
            var names: [String: String] = [:]
            if !responseHeaders.bytes.isEmpty {
                guard case .object(let members)? = try? JSONValue(parsing: responseHeaders.string) else {
                    throw MarketError(.invalidResult, "\(what) wrote response headers that are not a JSON object")
                }
                for (name, value) in members { if case .string(let text) = value { names[name] = text } }
            }
            return IngressResponse(status: status == 0 ? 200 : Int(status), headers: names, body: responseBody.bytes)
        }
    }
}

/// Borrows an HTTP request as an `mk_http_request_t`, valid inside `body`.
func withBorrowedRequest<Result>(method: String, url: String, headers: [(name: String, value: String)], body: [UInt8],
                                 _ use: (UnsafePointer<mk_http_request_t>) -> Result) -> Result {
    var joined: [UInt8] = []
    var ranges: [Range<Int>] = []
    for text in [method, url] + headers.flatMap({ [$0.name, $0.value] }) {
        let start = joined.count
        joined.append(contentsOf: text.utf8)
        ranges.append(start..<joined.count)
    }
    return joined.withUnsafeBufferPointer { buffer in
        let base = UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
        let strings = ranges.map { range in mk_str_t(ptr: base.map { $0 + range.lowerBound }, len: range.count) }
        let pairs = stride(from: 2, to: strings.count, by: 2).map { mk_http_header_t(name: strings[$0], value: strings[$0 + 1]) }
        return pairs.withUnsafeBufferPointer { pairs in
            body.withUnsafeBufferPointer { bytes in
                var request = mk_http_request_t(
                    struct_size: UInt32(MemoryLayout<mk_http_request_t>.size), method: strings[0], url: strings[1],
                    headers: pairs.baseAddress, header_count: pairs.count,
                    body: mk_str_t(ptr: UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), len: bytes.count),
                    timeout_ms: 0, max_response_bytes: 0)
                return use(&request)
            }
        }
    }
}

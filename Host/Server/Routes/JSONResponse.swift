import Foundation
import HTTPTypes
import Hummingbird
import MarketCore

/// JSON bodies for route handlers: sorted keys, so responses are stable byte for byte, and
/// dates in RFC 3339 with milliseconds, as event envelopes write them.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .timestampWithMilliseconds
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            throw MarketError(.internalError, "a response could not be encoded as JSON", underlying: error)
        }
        var headers = extra
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `204 No Content`.
    static func noContent() -> Response { Response(status: .noContent) }
}

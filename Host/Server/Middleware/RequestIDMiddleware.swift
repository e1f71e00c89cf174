import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id: the client's `x-request-id` when it is usable (1–128 letters,
/// digits and `-_.:`), else a new random one. The id is echoed on the response and added to the
/// request's logger, so a client, a load balancer and the logs can name the same request.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = MarketRequestContext

    static let header = HTTPField.Name("x-request-id")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id = request.headers[Self.header].flatMap { Self.isUsable($0) ? $0 : nil } ?? Self.generate()
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        // Hummingbird's own per-connection counter would be a second, unrelated id in every line.
        context.logger[metadataKey: "hb.request.id"] = nil
        var response = try await next(request, context)
        response.headers[Self.header] = id
        return response
    }

    /// A client's id is kept only when it cannot smuggle anything into headers or logs.
    static func isUsable(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"):
                true
            default:
                false
            }
        }
    }

    /// 32 lower-case hex digits (128 random bits).
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

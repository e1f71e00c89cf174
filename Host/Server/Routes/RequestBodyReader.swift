import Hummingbird
import Logging
import NIOCore
import MarketCore

/// Reads a request's whole body for the routes, telling the client's failures from the
/// server's: a body that never arrives in full (the client closed the connection, reset it,
/// sent malformed chunks, or was too slow for the body timeout) is a client error, logged as
/// such at info level and answered 400 `REQUEST_INCOMPLETE`, never a 500 `INTERNAL`.
enum RequestBodyReader {
    /// - Throws: `BODY_TOO_LARGE` (413) past `limit`; `REQUEST_INCOMPLETE` when the body ends early.
    static func collect(_ request: inout Request, upTo limit: Int, context: MarketRequestContext) async throws -> ByteBuffer {
        do {
            return try await request.collectBody(upTo: limit)
        } catch let error as HTTPError {
            throw error
        } catch is NIOTooManyBytesError {
            // The body passed `limit`: the request is too large, not incomplete.
            throw Problem(.bodyTooLarge, "the body is larger than \(limit) bytes", fix: "send a smaller body", status: .contentTooLarge)
        } catch let timeout as ConnectionDeadlineHandler.BodyTimeout {
            context.logger.info("the client did not send the request body in time; connection closed",
                                metadata: ["timeout": .stringConvertible(timeout.limit)])
            throw Problem(.requestIncomplete, "the request body did not arrive within \(timeout.limit)",
                          fix: "send the whole body at once, or raise the server's body timeout")
        } catch {
            // Only the connection to the client feeds the body: whatever ends it early is the
            // client's doing (or the network's), not a failure of the server.
            context.logger.info("the client closed the connection before sending the whole request body",
                                metadata: ["cause": .string(String(describing: error))])
            throw Problem(.requestIncomplete, "the connection ended before the request body was complete",
                          fix: "send the whole body (as many bytes as Content-Length says) before waiting for the answer")
        }
    }
}

import Foundation
import Hummingbird
import Logging

/// One log line per request, after its response: method, path, route, status and duration.
/// It sits inside `RequestIDMiddleware`, so the line carries the request id.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = MarketRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info("request", metadata: [
            "method": .string(request.method.rawValue),
            "path": .string(request.uri.path),
            "route": .string(context.endpointPath ?? "unmatched"),
            "status": .stringConvertible(response.status.code),
            "duration_ms": .string(String(format: "%.3f", milliseconds)),
        ])
        return response
    }
}

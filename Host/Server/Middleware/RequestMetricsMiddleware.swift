import Hummingbird
import Metrics

/// Counts requests and times them per method, route and status:
/// `http_requests_total` and `http_request_duration_seconds` (a histogram).
///
/// The route is the matched template (`/v1/plugins/{id}`), never the raw path, so the number
/// of series stays bounded whatever clients send; requests no route matched share `unmatched`.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = MarketRequestContext

    static let requestsLabel = "http_requests_total"
    static let durationLabel = "http_request_duration_seconds"
    /// Methods outside this list are counted as `other`, for the same reason.
    private static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    let factory: any MetricsFactory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let status: Int
        let response: Response
        do {
            response = try await next(request, context)
            status = response.status.code
        } catch {
            // ProblemMiddleware sits inside this one, so only a failure to build a problem gets here.
            record(request, context, status: 500, since: start)
            throw error
        }
        record(request, context, status: status, since: start)
        return response
    }

    private func record(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let method = Self.knownMethods.contains(request.method.rawValue) ? request.method.rawValue : "other"
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
        let dimensions = [("method", method), ("route", route), ("status", String(status))]
        Counter(label: Self.requestsLabel, dimensions: dimensions, factory: factory).increment()
        Timer(label: Self.durationLabel, dimensions: dimensions, factory: factory).record(duration: ContinuousClock.now - start)
    }
}

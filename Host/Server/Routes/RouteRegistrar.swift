import HTTPTypes
import Hummingbird

/// Where route groups add their endpoints. It collects them first, so the server knows every
/// route before it builds the router: to list what it serves (for the OpenAPI check) and to
/// answer a known path's other methods with 405.
public final class RouteRegistrar {
    /// A route's handler: the request and its context in, a response out; errors become problems.
    public typealias Handler = @Sendable (Request, MarketRequestContext) async throws -> Response

    /// The routes registered so far, in order, with their handlers.
    private(set) var entries: [(route: Route, handler: Handler)] = []

    init() {}

    /// The routes registered so far, in order.
    public var routes: [Route] { entries.map(\.route) }

    /// Serves `GET path`. Parameters are written `{name}` and read with `context.parameters`.
    public func get(_ path: String, use handler: @escaping Handler) {
        on(.get, path, use: handler)
    }

    /// Serves `method path`.
    public func on(_ method: HTTPRequest.Method, _ path: String, use handler: @escaping Handler) {
        let route = Route(method, path)
        precondition(!routes.contains(route), "\(route) is registered twice")
        entries.append((route, handler))
    }

    /// Hands the collected routes to `router`.
    func install(on router: Router<MarketRequestContext>) {
        for (route, handler) in entries {
            router.on(RouterPath(route.path), method: route.method, use: handler)
        }
    }
}

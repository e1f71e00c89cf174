import HTTPTypes
import Hummingbird

/// Where route groups add their endpoints. It collects them first, so the server knows every
/// route before it builds the router: to list what it serves (for the OpenAPI check) and to
/// answer a known path's other methods with 405.
public final class RouteRegistrar {
    /// A route's handler: the request and its context in, a response out; errors become problems.
    public typealias Handler = @Sendable (Request, MarketRequestContext) async throws -> Response

    /// Who may call a route.
    public enum Access: Sendable {
        /// Anyone: probes, metrics and the catalog.
        case `public`
        /// A bearer token: the handler finds the principal in `context.principal`.
        case authenticated
    }

    /// The routes registered so far, in order, with their handlers.
    private(set) var entries: [(route: Route, access: Access, handler: Handler)] = []

    init() {}

    /// The routes registered so far, in order.
    public var routes: [Route] { entries.map(\.route) }

    /// The routes that need a token.
    public var authenticatedRoutes: [Route] { entries.filter { $0.access == .authenticated }.map(\.route) }

    /// Serves `GET path`. Parameters are written `{name}` and read with `context.parameters`.
    public func get(_ path: String, access: Access = .public, use handler: @escaping Handler) {
        on(.get, path, access: access, use: handler)
    }

    /// Serves `method path`.
    /// With `catchAll`, the last parameter takes the rest of the path, slashes included.
    public func on(_ method: HTTPRequest.Method, _ path: String, access: Access = .public, catchAll: Bool = false, use handler: @escaping Handler) {
        let route = Route(method, path, catchAll: catchAll)
        precondition(!routes.contains(route), "\(route) is registered twice")
        entries.append((route, access, handler))
    }

    /// Hands the collected routes to `router`, the authenticated ones behind `authentication`.
    func install(on router: Router<MarketRequestContext>, authentication: AuthenticationMiddleware) {
        let guarded = router.group().add(middleware: authentication)
        for (route, access, handler) in entries {
            switch access {
            case .public: router.on(RouterPath(route.routerPath), method: route.method, use: handler)
            case .authenticated: guarded.on(RouterPath(route.routerPath), method: route.method, use: handler)
            }
        }
    }
}

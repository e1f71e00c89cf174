import Hummingbird
import Logging
import MarketStore

/// What every route handler receives besides the request: Hummingbird's core context (logger,
/// path parameters, matched route), the request id and, on authenticated routes, the principal.
public struct MarketRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The id of this request: the client's `x-request-id` when it sent a usable one, a new one
    /// otherwise. Echoed in the response, in problem bodies and in every log line of the request.
    public var requestID: String = ""
    /// Who sent the request, set by `AuthenticationMiddleware` on routes that need a token;
    /// nil on public routes.
    public var principal: Principal?

    /// The request id. Shadows Hummingbird's `id`, which reads a logger key this server replaces
    /// with `request_id`.
    public var id: String { requestID }

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
    }

    /// The principal of an authenticated route.
    /// - Throws: `INTERNAL` when the route was registered as public, a bug in the route group.
    public func requirePrincipal() throws -> Principal {
        guard let principal else {
            throw Problem(.internalError, "this route was served without authentication",
                          fix: "register it with access .authenticated; report this with the request id")
        }
        return principal
    }
}

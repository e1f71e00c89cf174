import HTTPTypes
import Hummingbird

/// The router answers a known path with an unserved method as it answers an unknown path
/// (404). This turns the former into `METHOD_NOT_ALLOWED` with `Allow`, for any method,
/// including ones the server has never heard of.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = MarketRequestContext

    let table: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && context.endpointPath == "NotFound" {
            // "NotFound" is what the router's not-found responder records as the endpoint.
            guard let (template, methods) = table.match(request.uri.path) else { throw error }
            context.coreContext.endpointPath.value = template
            let allow = methods.map(\.rawValue).joined(separator: ", ")
            var headers = HTTPFields()
            headers[.allow] = allow
            throw Problem(.methodNotAllowed, "\(request.method.rawValue) is not allowed on \(template)", fix: "use \(allow)", headers: headers)
        }
    }
}

import Hummingbird
import Logging
import MarketCore
import MarketStore

/// Turns every error a handler or the router throws into an RFC 9457 problem response, so no
/// error leaves the server in another shape. Errors that are not the client's fault are logged
/// with their cause; the response names only the request id.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = MarketRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error)
            if problem.status.code >= 500 {
                context.logger.error("request failed", metadata: [
                    "code": .string(problem.code.rawValue), "error": .string(String(reflecting: error)),
                ])
            }
            return problem.response(instance: request.uri.path, requestID: context.requestID)
        }
    }

    /// The problem `error` becomes.
    static func problem(for error: any Error) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as MarketError where error.code == .databaseUnavailable:
            // libpq's messages name the socket path or the database host: the client gets a
            // fixed text, the log (above) the whole error.
            return Problem(.databaseUnavailable, "the database is unavailable right now",
                           fix: "retry in a moment; if it persists, report it with the request id")
        case let error as MarketError:
            return Problem(error)
        case let error as HTTPError:
            let code = ProblemStatus.code(for: error.status)
            let detail = error.body ?? defaultDetail(for: code, status: error.status)
            var headers = error.headers
            headers[.contentType] = nil
            return Problem(code, detail, fix: defaultFix(for: code), status: error.status, headers: headers)
        case let error as any HTTPResponseError:
            let code = ProblemStatus.code(for: error.status)
            return Problem(code, defaultDetail(for: code, status: error.status), status: error.status)
        default:
            return Problem(.internalError, "the server failed to answer this request",
                           fix: "retry; if it persists, report it with the request id")
        }
    }

    private static func defaultDetail(for code: MarketError.Code, status: HTTPResponse.Status) -> String {
        switch code {
        case .routeNotFound: "no route matches this path"
        default: status.reasonPhrase
        }
    }

    private static func defaultFix(for code: MarketError.Code) -> String {
        switch code {
        case .routeNotFound: "check the path against docs/openapi.yaml"
        default: ""
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MarketCore
import MarketStore

/// Turns `Authorization: Bearer <token>` into the request's `Principal` through
/// `TenantStore.authenticate`, on the routes registered as `.authenticated`. A request without
/// a usable token is answered `401 UNAUTHENTICATED` with `WWW-Authenticate: Bearer` (RFC 6750);
/// what a valid principal may do is decided by the store and the routes (403 `ACCESS_DENIED`).
///
/// The token is never logged or echoed: the log gets the principal's actor (`token:tok_…`).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = MarketRequestContext

    let tenants: TenantStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw Self.challenge("this endpoint needs an API token", error: nil)
        }
        guard let token = Self.bearerToken(header) else {
            throw Self.challenge("the Authorization header must be 'Bearer <token>'", error: "invalid_request")
        }
        guard let principal = try await tenants.authenticate(token) else {
            throw Self.challenge("the API token is unknown or revoked", error: "invalid_token")
        }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "actor"] = .string(principal.actor)
        return try await next(request, context)
    }

    /// The token of a `Bearer` credential (the scheme is case-insensitive), or nil.
    static func bearerToken(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// A 401 problem whose `WWW-Authenticate` names the scheme and, for a bad token, the error.
    static func challenge(_ detail: String, error: String?) -> Problem {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = "Bearer realm=\"market\"" + (error.map { ", error=\"\($0)\"" } ?? "")
        return Problem(.unauthenticated, detail,
                       fix: "send 'Authorization: Bearer <token>' with an admin token (printed at the first start) or a tenant token",
                       headers: headers)
    }
}

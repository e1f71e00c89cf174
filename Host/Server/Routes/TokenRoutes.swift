import HTTPTypes
import Hummingbird
import MarketCore
import MarketStore

/// API tokens: a tenant's (`/v1/tenants/{tenant}/tokens`, for admins and that tenant) and the
/// admin tokens (`/v1/admin/tokens`, for admins). A token's value is in the answer that makes
/// it and nowhere else; lists and revocations name tokens by id.
struct TokenRoutes: RouteGroup {
    let tenants: TenantStore

    struct Listing: Encodable {
        let tokens: [TokenResource]
    }

    func register(on routes: RouteRegistrar) {
        register(on: routes, base: "/v1/tenants/{tenant}/tokens") { context in
            let (principal, tenant) = try Scope.tenant(context)
            return (principal, tenant)
        }
        register(on: routes, base: "/v1/admin/tokens") { context in
            let principal = try context.requirePrincipal()
            try Scope.requireAdmin(principal, to: "manage admin tokens")
            return (principal, nil)
        }
    }

    /// The three routes under `base`; `scope` checks the principal and names the tenant (nil
    /// for admin tokens).
    private func register(on routes: RouteRegistrar, base: String,
                          scope: @escaping @Sendable (MarketRequestContext) throws -> (Principal, String?)) {
        routes.get(base, access: .authenticated) { _, context in
            let (principal, tenant) = try scope(context)
            let listed = try await tenants.tokens(tenant: tenant, by: principal)
            return try JSONResponse.make(Listing(tokens: listed.map { TokenResource($0) }))
        }
        routes.on(.post, base, access: .authenticated) { request, context in
            let (principal, tenant) = try scope(context)
            let body = try await RequestInput.object(request, context: context, allowed: ["label"], required: false)
            let label = try RequestInput.string(body, "label", maxLength: 200) ?? ""
            let issued = try await tenants.createToken(tenant: tenant, label: label, by: principal)
            // The value is shown this once: no cache may keep it.
            var headers = HTTPFields()
            headers[.cacheControl] = "no-store"
            return try JSONResponse.make(TokenResource(issued.info, token: issued.token), status: .created, headers: headers)
        }
        routes.on(.delete, base + "/{token}", access: .authenticated) { _, context in
            let (principal, tenant) = try scope(context)
            let revoked = try await tenants.revokeToken(RequestInput.path(context, "token"), tenant: tenant, by: principal)
            return try JSONResponse.make(TokenResource(revoked))
        }
    }
}

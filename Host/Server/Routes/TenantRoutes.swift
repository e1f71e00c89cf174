import Hummingbird
import MarketCore
import MarketStore

/// `/v1/tenants`: admins create and list tenants; a tenant's token sees only its own.
struct TenantRoutes: RouteGroup {
    let tenants: TenantStore

    struct Listing: Encodable {
        let tenants: [TenantResource]
    }

    func register(on routes: RouteRegistrar) {
        routes.get("/v1/tenants", access: .authenticated) { _, context in
            let listed = try await tenants.tenants(by: try context.requirePrincipal())
            return try JSONResponse.make(Listing(tenants: listed.map(TenantResource.init)))
        }
        routes.on(.post, "/v1/tenants", access: .authenticated) { request, context in
            let principal = try context.requirePrincipal()
            try Scope.requireAdmin(principal, to: "create tenants")
            let body = try await RequestInput.object(request, context: context, allowed: ["id", "name"])
            guard let id = try RequestInput.string(body, "id") else {
                throw Problem(.badRequest, "'id' is required", fix: "send {\"id\": \"acme\", \"name\": \"Acme Inc.\"}")
            }
            let tenant = try await tenants.createTenant(id, name: try RequestInput.string(body, "name", maxLength: 200), by: principal)
            return try JSONResponse.make(TenantResource(tenant), status: .created)
        }
        routes.get("/v1/tenants/{tenant}", access: .authenticated) { _, context in
            let (principal, id) = try Scope.tenant(context)
            guard let tenant = try await tenants.tenant(id, by: principal) else {
                throw Problem(.tenantNotFound, "there is no tenant \(RequestInput.shown(id))",
                              fix: "list the tenants with GET /v1/tenants, or create it with POST /v1/tenants")
            }
            return try JSONResponse.make(TenantResource(tenant))
        }
    }
}

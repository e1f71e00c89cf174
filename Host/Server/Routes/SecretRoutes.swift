import Hummingbird
import MarketCore
import MarketStore

/// A tenant plugin's secrets: `/v1/tenants/{tenant}/plugins/{plugin}/secrets`. Values go in
/// (`PUT`, sealed with AES-GCM) and never come out: lists give names only.
struct SecretRoutes: RouteGroup {
    let tenants: TenantStore

    struct Listing: Encodable {
        /// The names stored.
        let secrets: [String]
        /// The names the plugin's manifest allows.
        let allowed: [String]
    }

    func register(on routes: RouteRegistrar) {
        let base = "/v1/tenants/{tenant}/plugins/{plugin}/secrets"
        routes.get(base, access: .authenticated) { _, context in
            let (principal, tenant, plugin) = try scope(context)
            let stored = try await tenants.secretNames(plugin, tenant: tenant, by: principal)
            // A plugin no longer installed declares nothing, but its stored names are still listed.
            let allowed = (try? tenants.allowedSecretNames(plugin)) ?? []
            return try JSONResponse.make(Listing(secrets: stored, allowed: allowed))
        }
        routes.on(.put, base + "/{name}", access: .authenticated) { request, context in
            let (principal, tenant, plugin) = try scope(context)
            let body = try await RequestInput.object(request, context: context, allowed: ["value"])
            guard let value = try RequestInput.string(body, "value") else {
                throw Problem(.badRequest, "'value' is required", fix: "send {\"value\": \"…\"}")
            }
            try await tenants.setSecret(RequestInput.path(context, "name"), value: value, plugin: plugin, tenant: tenant, by: principal)
            return JSONResponse.noContent()
        }
        routes.on(.delete, base + "/{name}", access: .authenticated) { _, context in
            let (principal, tenant, plugin) = try scope(context)
            try await tenants.deleteSecret(RequestInput.path(context, "name"), plugin: plugin, tenant: tenant, by: principal)
            return JSONResponse.noContent()
        }
    }

    private func scope(_ context: MarketRequestContext) throws -> (Principal, String, String) {
        let (principal, tenant) = try Scope.tenant(context)
        return (principal, tenant, try RequestInput.pluginID(context))
    }
}

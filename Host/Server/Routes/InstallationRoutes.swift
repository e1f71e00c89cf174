import Hummingbird
import MarketCore
import MarketStore

/// A tenant's plugins: `/v1/tenants/{tenant}/plugins`, enabling, disabling, and the config
/// (read with secret fields masked; changed with a JSON Merge Patch, every invalid field
/// listed in the problem's `errors` and nothing stored).
struct InstallationRoutes: RouteGroup {
    let tenants: TenantStore

    struct Listing: Encodable {
        let plugins: [InstallationResource]
    }

    func register(on routes: RouteRegistrar) {
        routes.get("/v1/tenants/{tenant}/plugins", access: .authenticated) { _, context in
            let (principal, tenant) = try scope(context)
            let listed = try await tenants.installations(tenant: tenant, by: principal)
            return try JSONResponse.make(Listing(plugins: listed.map { resource($0) }))
        }
        routes.get("/v1/tenants/{tenant}/plugins/{plugin}/config", access: .authenticated) { _, context in
            let (principal, tenant) = try scope(context)
            let plugin = try RequestInput.pluginID(context)
            guard let installation = try await tenants.installation(plugin, tenant: tenant, by: principal) else {
                throw Problem(.pluginNotFound, "tenant \(tenant) has not enabled or configured \(plugin)",
                              fix: "configure it with PATCH on this path, or enable it with POST …/\(plugin)/enable")
            }
            return try JSONResponse.make(resource(installation))
        }
        routes.on(.patch, "/v1/tenants/{tenant}/plugins/{plugin}/config", access: .authenticated) { request, context in
            let (principal, tenant) = try scope(context)
            let plugin = try RequestInput.pluginID(context)
            let patch = try await RequestInput.object(request, context: context, allowed: nil)
            let installation = try await tenants.configure(plugin, tenant: tenant, with: .object(patch), mode: .merge, by: principal)
            return try JSONResponse.make(resource(installation))
        }
        routes.on(.post, "/v1/tenants/{tenant}/plugins/{plugin}/enable", access: .authenticated) { _, context in
            let (principal, tenant) = try scope(context)
            let installation = try await tenants.enable(try RequestInput.pluginID(context), tenant: tenant, by: principal)
            return try JSONResponse.make(resource(installation))
        }
        routes.on(.post, "/v1/tenants/{tenant}/plugins/{plugin}/disable", access: .authenticated) { _, context in
            let (principal, tenant) = try scope(context)
            let plugin = try RequestInput.pluginID(context)
            guard let installation = try await tenants.disable(plugin, tenant: tenant, by: principal) else {
                throw Problem(.pluginNotFound, "tenant \(tenant) has never enabled or configured \(plugin)",
                              fix: "list the tenant's plugins with GET /v1/tenants/\(tenant)/plugins")
            }
            return try JSONResponse.make(resource(installation))
        }
    }

    private func scope(_ context: MarketRequestContext) throws -> (Principal, String) { try Scope.tenant(context) }

    /// Masks by the plugin's current schema; a plugin no longer installed has no schema, and
    /// its stored config holds no secret fields anyway.
    private func resource(_ installation: Installation) -> InstallationResource {
        let fields = (try? tenants.configSchema(for: installation.pluginID).secretFields) ?? []
        return InstallationResource(installation, secretFields: fields)
    }
}

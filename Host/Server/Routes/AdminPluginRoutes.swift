import Hummingbird
import MarketCore
import MarketStore

/// `/v1/admin/plugins` (admins): the desired plugin state every server converges on, with each
/// server's report (wanted and running version, last error). `AdminPluginChangeRoutes` changes it.
struct AdminPluginRoutes: RouteGroup {
    let desired: DesiredPlugins

    struct Listing: Encodable {
        let plugins: [DesiredPluginResource]
    }

    func register(on routes: RouteRegistrar) {
        routes.get("/v1/admin/plugins", access: .authenticated) { _, context in
            try Scope.requireAdmin(try context.requirePrincipal(), to: "see the desired plugin state")
            let states = Dictionary(grouping: try await desired.states(), by: \.pluginID)
            let rollbacks = try await desired.lastRollbacks()
            let plugins = try await desired.all().map {
                DesiredPluginResource(plugin: $0, nodes: states[$0.pluginID] ?? [], rollback: rollbacks[$0.pluginID])
            }
            return try JSONResponse.make(Listing(plugins: plugins))
        }
        routes.get("/v1/admin/plugins/{plugin}", access: .authenticated) { _, context in
            let (_, id) = try AdminPluginInput.scope(context, to: "see the desired plugin state")
            return try await AdminPluginInput.response(desired, id)
        }
    }
}

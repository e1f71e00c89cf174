import Hummingbird
import MarketCore
import MarketStore

/// `GET /v1/tenants/{tenant}/analytics?since=&until=&channel=`: the tenant's bot figures per
/// day and channel from the analytics rollups, as `market analytics --json` prints them.
struct AnalyticsRoutes: RouteGroup {
    let analytics: AnalyticsStore
    let tenants: TenantStore

    func register(on routes: RouteRegistrar) {
        routes.get("/v1/tenants/{tenant}/analytics", access: .authenticated) { request, context in
            let tenant = try await EventRoutes.existingTenant(context, tenants)
            let query = try AnalyticsQuery(tenant: tenant, since: RequestInput.query(request, "since"),
                                           until: RequestInput.query(request, "until"), channel: RequestInput.query(request, "channel"))
            return try JSONResponse.make(try await analytics.report(query))
        }
    }
}

import Hummingbird
import MarketCore
import MarketStore

/// A tenant's deliveries: `/v1/tenants/{tenant}/deliveries` lists them, newest events first
/// (filtered by `status` and `subscriber`, a plugin id; paged with `limit` and `before`, an
/// event `seq`), and `…/deliveries/replay` puts every dead one back to pending.
struct DeliveryRoutes: RouteGroup {
    let events: EventBus
    let tenants: TenantStore

    struct Page: Encodable {
        let deliveries: [DeliveryResource]
        /// The `before` of the next page; absent on the last one.
        let nextBefore: Int64?

        enum CodingKeys: String, CodingKey {
            case deliveries
            case nextBefore = "next_before"
        }
    }

    func register(on routes: RouteRegistrar) {
        routes.get("/v1/tenants/{tenant}/deliveries", access: .authenticated) { request, context in
            let tenant = try await EventRoutes.existingTenant(context, tenants)
            let limit = Int(try RequestInput.integer(request, "limit", in: 1...1000) ?? 100)
            let before = try RequestInput.integer(request, "before", in: 1...Int64.max)
            let filter = DeliveryFilter(tenantID: tenant, subscriber: try Self.subscriber(request), status: try Self.status(request))
            // One row more than asked for says whether the page would end inside an event.
            var found = try await events.deliveries(filter, beforeSeq: before, limit: limit + 1)
            var next: Int64?
            if found.count > limit {
                let last = found[limit - 1].eventSeq
                let split = found[limit].eventSeq == last
                found.removeLast(found.count - limit)
                next = last
                // The rows of an event go to one page whole (unless one event fills a page).
                let whole = found.filter { $0.eventSeq != last }
                if split, !whole.isEmpty {
                    found = whole
                    next = last + 1
                }
            }
            return try JSONResponse.make(Page(deliveries: found.map(DeliveryResource.init), nextBefore: next))
        }
        routes.on(.post, "/v1/tenants/{tenant}/deliveries/replay", access: .authenticated) { _, context in
            let tenant = try await EventRoutes.existingTenant(context, tenants)
            let count = try await events.replay(DeliveryFilter(tenantID: tenant, status: .dead))
            return try JSONResponse.make(EventRoutes.Replayed(replayed: count))
        }
    }

    private static func status(_ request: Request) throws -> DeliveryStatus? {
        guard let text = RequestInput.query(request, "status") else { return nil }
        guard let status = DeliveryStatus(rawValue: text) else {
            throw Problem(.badRequest, "the query parameter status must be pending, delivered or dead", fix: "e.g. ?status=dead")
        }
        return status
    }

    private static func subscriber(_ request: Request) throws -> String? {
        guard let text = RequestInput.query(request, "subscriber") else { return nil }
        guard PluginManifest.isIdentifier(text) else {
            throw Problem(.badRequest, "the query parameter subscriber must be a plugin id", fix: "e.g. ?subscriber=notes")
        }
        return text
    }
}

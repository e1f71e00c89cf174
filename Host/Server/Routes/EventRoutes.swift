import Foundation
import Hummingbird
import MarketCore
import MarketStore

/// A tenant's events: `/v1/tenants/{tenant}/events` lists them oldest first (filtered by a
/// `type` pattern and a `conversation`, paged with `limit` and `after`, a `seq`), publishes a
/// custom one (its optional `id` is the idempotency key), shows one, and replays one to every
/// plugin that received it.
struct EventRoutes: RouteGroup {
    let events: EventBus
    let tenants: TenantStore

    struct Page: Encodable {
        let events: [EventResource]
        /// The `after` of the next page; absent on the last one.
        let nextAfter: Int64?

        enum CodingKeys: String, CodingKey {
            case events
            case nextAfter = "next_after"
        }
    }

    struct Published: Encodable {
        let event: EventResource
        /// False when the id was known already: nothing was published again.
        let created: Bool
        /// Delivery rows made for the tenant's subscribed plugins (0 when not created).
        let deliveries: Int
    }

    struct Replayed: Encodable {
        let replayed: Int
    }

    func register(on routes: RouteRegistrar) {
        routes.get("/v1/tenants/{tenant}/events", access: .authenticated) { request, context in
            let tenant = try await EventRoutes.existingTenant(context, tenants)
            let limit = Int(try RequestInput.integer(request, "limit", in: 1...1000) ?? 100)
            let after = try RequestInput.integer(request, "after", in: 0...Int64.max) ?? 0
            let found = try await events.events(after: after, tenantID: tenant, pattern: try Self.pattern(request),
                                                conversationID: try Self.conversation(request), limit: limit)
            return try JSONResponse.make(Page(events: found.map(EventResource.init), nextAfter: found.count == limit ? found.last?.seq : nil))
        }
        routes.on(.post, "/v1/tenants/{tenant}/events", access: .authenticated) { request, context in
            let tenant = try await EventRoutes.existingTenant(context, tenants)
            let body = try await RequestInput.object(request, context: context, allowed: ["id", "type", "conversation_id", "data"])
            let envelope = try Self.envelope(body, tenant: tenant)
            let result = try await events.publish(envelope)
            guard let stored = try await events.event(id: envelope.id, tenantID: tenant),
                  result.events == 1 || Self.same(stored.envelope, envelope) else {
                throw Problem(.eventIDTaken, "the event id \(RequestInput.shown(envelope.id)) is already another event's",
                              fix: "send a new id for a new event (or none, and the server makes one)")
            }
            let created = result.events == 1
            return try JSONResponse.make(Published(event: EventResource(stored), created: created, deliveries: result.deliveries),
                                         status: created ? .created : .ok)
        }
        routes.get("/v1/tenants/{tenant}/events/{event}", access: .authenticated) { _, context in
            let tenant = try await EventRoutes.existingTenant(context, tenants)
            return try JSONResponse.make(EventResource(try await stored(context, tenant: tenant)))
        }
        routes.on(.post, "/v1/tenants/{tenant}/events/{event}/replay", access: .authenticated) { _, context in
            let tenant = try await EventRoutes.existingTenant(context, tenants)
            let stored = try await stored(context, tenant: tenant)
            let count = try await events.replay(DeliveryFilter(tenantID: tenant, eventID: stored.envelope.id))
            return try JSONResponse.make(Replayed(replayed: count))
        }
    }

    /// The `{tenant}` of an events or deliveries route, checked like the other tenant routes.
    /// - Throws: `ACCESS_DENIED`, `TENANT_ID_INVALID`, then `TENANT_NOT_FOUND`.
    static func existingTenant(_ context: MarketRequestContext, _ tenants: TenantStore) async throws -> String {
        let (principal, tenant) = try Scope.tenant(context)
        guard try await tenants.tenant(tenant, by: principal) != nil else {
            throw Problem(.tenantNotFound, "there is no tenant \(tenant)", fix: "list the tenants with GET /v1/tenants")
        }
        return tenant
    }

    /// The `{event}` of the tenant.
    /// - Throws: `EVENT_NOT_FOUND` when the tenant has no event with that id.
    private func stored(_ context: MarketRequestContext, tenant: String) async throws -> EventBus.StoredEvent {
        let id = RequestInput.path(context, "event")
        guard Self.isPrintableID(id), let stored = try await events.event(id: id, tenantID: tenant) else {
            throw Problem(.eventNotFound, "tenant \(tenant) has no event \(RequestInput.shown(id))",
                          fix: "list the tenant's events with GET /v1/tenants/\(tenant)/events")
        }
        return stored
    }

    /// A publish repeated with the same id: the same type, conversation and data.
    private static func same(_ stored: EventEnvelope, _ sent: EventEnvelope) -> Bool {
        stored.type == sent.type && stored.conversationID == sent.conversationID
            && (try? JSONValue(parsing: stored.data)) == (try? JSONValue(parsing: sent.data))
    }

    /// The envelope a publish body describes, by the rules `market events publish` follows too.
    private static func envelope(_ body: [String: JSONValue], tenant: String) throws -> EventEnvelope {
        guard let type = try RequestInput.string(body, "type", maxLength: 128) else {
            throw Problem(.badRequest, "the body needs a 'type'", fix: "send e.g. {\"type\": \"lead.created\", \"data\": {}}")
        }
        return try CustomEvent.envelope(type: type, id: try RequestInput.string(body, "id", maxLength: 200),
                                        conversationID: try RequestInput.string(body, "conversation_id", maxLength: 200),
                                        data: body["data"] ?? .object([:]), tenant: tenant)
    }

    /// Event and conversation ids: 1–200 printable ASCII characters, no spaces.
    static func isPrintableID(_ text: String) -> Bool { CustomEvent.isPrintableID(text) }

    /// `?type=`: an exact type, a prefix (`lead.*`) or `*`.
    private static func pattern(_ request: Request) throws -> EventTypePattern? {
        guard let text = RequestInput.query(request, "type") else { return nil }
        guard let pattern = EventTypePattern(text) else {
            throw Problem(.badRequest, "the query parameter type must be an event type pattern",
                          fix: "use an exact type (lead.created), a prefix (lead.*) or *")
        }
        return pattern
    }

    /// `?conversation=`: a conversation id.
    private static func conversation(_ request: Request) throws -> String? {
        guard let text = RequestInput.query(request, "conversation") else { return nil }
        guard Self.isPrintableID(text) else {
            throw Problem(.badRequest, "the query parameter conversation must be a conversation id: 1–200 printable ASCII characters",
                          fix: "copy it from an event's conversation_id")
        }
        return text
    }
}

import Foundation
import Hummingbird
import MarketCore
import MarketStore
import PluginHosting

/// A tenant's webhook endpoints and their deliveries, `/v1/tenants/{tenant}/webhooks/…`
/// (docs/webhooks.md): the targets of the plugin `webhooks`, which signs and posts; the host
/// stores, retries, pauses and logs. Secrets are answered once, by the create and the rotation.
struct WebhookRoutes: RouteGroup {
    let endpoints: WebhookEndpoints?
    let catalog: EventTypeCatalog?
    let tenants: TenantStore

    static let fields: Set<String> = ["url", "description", "types", "rate_per_second", "headers", "ordered", "asymmetric", "enabled"]

    func register(on routes: RouteRegistrar) {
        let base = "/v1/tenants/{tenant}/webhooks"
        routes.get(base + "/endpoints", access: .authenticated) { _, context in
            let (endpoints, principal, tenant) = try await scope(context)
            let listed = try await endpoints.list(tenant: tenant, by: principal)
            return try JSONResponse.make(JSONValue.object(["endpoints": .array(listed.map(\.json))]))
        }
        routes.on(.post, base + "/endpoints", access: .authenticated) { request, context in
            let (endpoints, principal, tenant) = try await scope(context)
            let body = try await RequestInput.object(request, context: context, allowed: Self.fields.subtracting(["enabled"]))
            guard let url = try RequestInput.string(body, "url", maxLength: 2048) else {
                throw Problem(.badRequest, "'url' is required", fix: "send {\"url\": \"https://example.com/hooks\"}")
            }
            let endpoint = WebhookEndpoints.Endpoint(url: url, description: try RequestInput.string(body, "description", maxLength: 500) ?? "",
                                                     types: try Self.types(body) ?? ["*"], ratePerSecond: try Self.rate(body) ?? nil,
                                                     headers: try Self.headers(body) ?? [:], ordered: try Self.flag(body, "ordered") ?? false,
                                                     asymmetric: try Self.flag(body, "asymmetric") ?? false)
            let (added, secrets) = try await endpoints.add(endpoint, tenant: tenant, by: principal)
            guard case .object(var fields) = added.json else { throw MarketError(.internalError, "an endpoint is not a JSON object") }
            fields["secrets"] = secrets
            return try JSONResponse.make(JSONValue.object(fields), status: .created)
        }
        routes.get(base + "/endpoints/{id}", access: .authenticated) { _, context in
            let (endpoints, principal, tenant) = try await scope(context)
            return try JSONResponse.make(try await endpoints.get(RequestInput.path(context, "id"), tenant: tenant, by: principal).json)
        }
        routes.on(.patch, base + "/endpoints/{id}", access: .authenticated) { request, context in
            let (endpoints, principal, tenant) = try await scope(context)
            let body = try await RequestInput.object(request, context: context, allowed: Self.fields)
            let change = EventTargets.Change(description: try RequestInput.string(body, "description", maxLength: 500), patterns: try Self.types(body),
                                             ratePerSecond: try Self.rate(body), ordered: try Self.flag(body, "ordered"), enabled: try Self.flag(body, "enabled"))
            let update = WebhookEndpoints.Update(url: try RequestInput.string(body, "url", maxLength: 2048), headers: try Self.headers(body),
                                                 asymmetric: try Self.flag(body, "asymmetric"), target: change)
            return try JSONResponse.make(try await endpoints.update(RequestInput.path(context, "id"), tenant: tenant, update, by: principal).json)
        }
        routes.on(.delete, base + "/endpoints/{id}", access: .authenticated) { _, context in
            let (endpoints, principal, tenant) = try await scope(context)
            try await endpoints.remove(RequestInput.path(context, "id"), tenant: tenant, by: principal)
            return JSONResponse.noContent()
        }
        routes.on(.post, base + "/endpoints/{id}/rotate-secret", access: .authenticated) { request, context in
            let (endpoints, principal, tenant) = try await scope(context)
            let body = try await RequestInput.object(request, context: context, allowed: ["overlap_seconds"], required: false)
            let overlap = try Self.integer(body, "overlap_seconds", in: 0...(30 * 86400)) ?? 86400
            let (endpoint, secrets) = try await endpoints.rotateSecret(RequestInput.path(context, "id"), tenant: tenant, overlap: .seconds(overlap), by: principal)
            return try JSONResponse.make(JSONValue.object(["id": .string(endpoint.id), "secrets": secrets]))
        }
        routes.on(.post, base + "/endpoints/{id}/recover", access: .authenticated) { request, context in
            let (endpoints, principal, tenant) = try await scope(context)
            let body = try await RequestInput.object(request, context: context, allowed: ["since"])
            guard let text = try RequestInput.string(body, "since", maxLength: 64), let since = ISO8601DateFormatter().date(from: text) else {
                throw Problem(.badRequest, "'since' must be an RFC 3339 time", fix: "send {\"since\": \"2026-12-01T00:00:00Z\"}")
            }
            let count = try await endpoints.recover(RequestInput.path(context, "id"), since: since, tenant: tenant, by: principal)
            return try JSONResponse.make(JSONValue.object(["recovered": .integer(Int64(count))]))
        }
        routes.get(base + "/event-types", access: .authenticated) { _, context in
            let tenant = try await EventRoutes.existingTenant(context, tenants)
            guard let catalog else { throw Self.unavailable }
            let (principal, _) = try Scope.tenant(context)
            let entries = try await catalog.entries(tenant: tenant, by: principal)
            return try JSONResponse.make(JSONValue.object(["event_types": .array(entries.map(\.json))]))
        }
        routes.get(base + "/messages/{delivery}/attempts", access: .authenticated) { _, context in
            let (endpoints, principal, tenant) = try await scope(context)
            let attempts = try await endpoints.attempts(RequestInput.path(context, "delivery"), tenant: tenant, by: principal)
            return try JSONResponse.make(JSONValue.object(["attempts": .array(attempts.map(\.json))]))
        }
        routes.on(.post, base + "/messages/{delivery}/resend", access: .authenticated) { _, context in
            let (endpoints, principal, tenant) = try await scope(context)
            try await endpoints.resend(RequestInput.path(context, "delivery"), tenant: tenant, by: principal)
            return JSONResponse.noContent()
        }
    }

    static let unavailable = Problem(.webhooksNotInstalled, "this server manages no webhook endpoints",
                                     fix: "run market serve, which loads the plugin webhooks for the tenants that enable it")

    private func scope(_ context: MarketRequestContext) async throws -> (WebhookEndpoints, Principal, String) {
        let tenant = try await EventRoutes.existingTenant(context, tenants)
        guard let endpoints else { throw Self.unavailable }
        let (principal, _) = try Scope.tenant(context)
        return (endpoints, principal, tenant)
    }

    private static func types(_ body: [String: JSONValue]) throws -> [String]? {
        guard let value = body["types"], value != .null else { return nil }
        guard case .array(let items) = value else { throw badTypes }
        return try items.map { item in
            guard case .string(let pattern) = item else { throw badTypes }
            return pattern
        }
    }

    private static let badTypes = Problem(.badRequest, "'types' must be an array of event type patterns", fix: "send e.g. {\"types\": [\"lead.*\"]}")

    /// nil: not given; `.some(nil)`: no limit (null).
    private static func rate(_ body: [String: JSONValue]) throws -> Int?? {
        guard let value = body["rate_per_second"] else { return nil }
        if value == .null { return .some(nil) }
        guard let number = value.integerValue, (1...100_000).contains(number) else {
            throw Problem(.badRequest, "'rate_per_second' must be 1 to 100000, or null for no limit", fix: "send e.g. {\"rate_per_second\": 10}")
        }
        return .some(Int(number))
    }

    private static func integer(_ body: [String: JSONValue], _ name: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let value = body[name], value != .null else { return nil }
        guard let number = value.integerValue, range.contains(number) else {
            throw Problem(.badRequest, "'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)", fix: "send e.g. {\"\(name)\": 86400}")
        }
        return number
    }

    private static func flag(_ body: [String: JSONValue], _ name: String) throws -> Bool? {
        guard let value = body[name], value != .null else { return nil }
        guard case .bool(let flag) = value else { throw Problem(.badRequest, "'\(name)' must be true or false", fix: "send {\"\(name)\": true}") }
        return flag
    }

    private static func headers(_ body: [String: JSONValue]) throws -> [String: String]? {
        guard let value = body["headers"], value != .null else { return nil }
        guard case .object(let members) = value else { throw badHeaders }
        return try members.mapValues { item in
            guard case .string(let text) = item, text.utf8.count <= 4096 else { throw badHeaders }
            return text
        }
    }

    private static let badHeaders = Problem(.badRequest, "'headers' must be an object of header names to string values",
                                            fix: "send e.g. {\"headers\": {\"X-Team\": \"sales\"}}")
}

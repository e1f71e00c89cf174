import Hummingbird
import MarketCore
import MarketStore

/// The audit log, newest first: `/v1/audit` (an admin: every tenant's, or one with `?tenant=`;
/// a tenant's token: its own) and `/v1/tenants/{tenant}/audit`. Filtered by `action` and paged
/// with `limit` and `before` (an entry id): each page's `next_before` asks for the next one.
struct AuditRoutes: RouteGroup {
    let tenants: TenantStore

    struct Page: Encodable {
        let entries: [AuditEntryResource]
        /// The `before` of the next page; absent on the last one.
        let nextBefore: Int64?

        enum CodingKeys: String, CodingKey {
            case entries
            case nextBefore = "next_before"
        }
    }

    func register(on routes: RouteRegistrar) {
        routes.get("/v1/audit", access: .authenticated) { request, context in
            let principal = try context.requirePrincipal()
            let tenant = RequestInput.query(request, "tenant")
            if let tenant {
                try Scope.requireAccess(principal, to: tenant)
                try RequestInput.checkTenantID(tenant)
            }
            return try JSONResponse.make(try await page(request, tenant: tenant, by: principal))
        }
        routes.get("/v1/tenants/{tenant}/audit", access: .authenticated) { request, context in
            let (principal, tenant) = try Scope.tenant(context)
            return try JSONResponse.make(try await page(request, tenant: tenant, by: principal))
        }
    }

    private func page(_ request: Request, tenant: String?, by principal: Principal) async throws -> Page {
        let limit = Int(try RequestInput.integer(request, "limit", in: 1...1000) ?? 100)
        let before = try RequestInput.integer(request, "before", in: 1...Int64.max)
        let action = try Self.action(request)
        guard let action else {
            let entries = try await tenants.auditLog(tenant: tenant, limit: limit, before: before, by: principal)
            return Page(entries: entries.map(AuditEntryResource.init), nextBefore: entries.count == limit ? entries.last?.id : nil)
        }
        // The store pages by id only, so an action filter reads pages until this one is full.
        var found: [AuditEntry] = []
        var cursor = before
        while found.count < limit {
            let batch = try await tenants.auditLog(tenant: tenant, limit: 1000, before: cursor, by: principal)
            for entry in batch where entry.action == action && found.count < limit { found.append(entry) }
            guard batch.count == 1000, let last = batch.last else { break }
            cursor = last.id
        }
        return Page(entries: found.map(AuditEntryResource.init), nextBefore: found.count == limit ? found.last?.id : nil)
    }

    /// `?action=`: an action name such as `secret.set`.
    private static func action(_ request: Request) throws -> String? {
        guard let action = RequestInput.query(request, "action") else { return nil }
        let valid = (1...64).contains(action.utf8.count) && action.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
        }
        guard valid else {
            throw Problem(.badRequest, "the query parameter action must be an action name such as secret.set",
                          fix: "use one of tenant.create, token.create, token.revoke, plugin.enable, plugin.disable, config.set, secret.set, secret.delete, plugin.install, plugin.update, plugin.rollback, plugin.uninstall")
        }
        return action
    }
}

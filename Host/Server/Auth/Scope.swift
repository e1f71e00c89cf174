import MarketCore
import MarketStore

/// The checks routes make before reading a body or the database, so another tenant's token is
/// refused the same way whether or not what it names exists. The store checks again.
enum Scope {
    /// - Throws: `ACCESS_DENIED` unless `principal` may act on `tenant`.
    static func requireAccess(_ principal: Principal, to tenant: String) throws {
        guard principal.mayAccess(tenant: tenant) else {
            throw Problem(.accessDenied, "a token of tenant \(principal.tenantID ?? "") cannot act on tenant \(RequestInput.shown(tenant))",
                          fix: "use a token of that tenant, or an admin token")
        }
    }

    /// The principal and the `{tenant}` of a tenant's route.
    /// - Throws: `ACCESS_DENIED` for another tenant's token (before anything else), then
    ///   `TENANT_ID_INVALID` for an id no tenant can have.
    static func tenant(_ context: MarketRequestContext) throws -> (Principal, String) {
        let principal = try context.requirePrincipal()
        let tenant = RequestInput.path(context, "tenant")
        try requireAccess(principal, to: tenant)
        try RequestInput.checkTenantID(tenant)
        return (principal, tenant)
    }

    /// - Throws: `ACCESS_DENIED` unless `principal` is an admin.
    static func requireAdmin(_ principal: Principal, to action: String) throws {
        guard principal.role == .admin else {
            throw Problem(.accessDenied, "only an admin can \(action)", fix: "use an admin token")
        }
    }
}

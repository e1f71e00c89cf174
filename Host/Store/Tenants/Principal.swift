import MarketCore

/// Who is asking: an admin (any tenant, and tenants themselves) or a tenant (its own data
/// only), with the name the audit log records for them.
public struct Principal: Sendable, Hashable, CustomStringConvertible {
    /// What a principal may do.
    public enum Role: String, Sendable, Hashable, Codable {
        /// Every tenant, and creating tenants and their tokens.
        case admin
        /// One tenant's plugins, config, secrets, tokens and audit log.
        case tenant
    }

    public let role: Role
    /// The tenant a `tenant` principal belongs to; nil for admins.
    public let tenantID: String?
    /// Recorded as the audit log's actor: `token:tok_…` for API tokens, `cli:USER` for the
    /// command line, `system` for the host itself.
    public let actor: String

    /// An admin, such as the holder of the admin token or an operator at the command line.
    public static func admin(actor: String) -> Principal { Principal(role: .admin, tenantID: nil, actor: actor) }

    /// A principal confined to `tenantID`.
    public static func tenant(_ tenantID: String, actor: String) -> Principal { Principal(role: .tenant, tenantID: tenantID, actor: actor) }

    /// The host acting on its own (first start).
    public static let system = Principal.admin(actor: "system")

    public var description: String {
        switch role {
        case .admin: "admin (\(actor))"
        case .tenant: "tenant \(tenantID ?? "") (\(actor))"
        }
    }

    /// Whether this principal may see and change `tenant`'s data.
    public func mayAccess(tenant: String) -> Bool { role == .admin || tenantID == tenant }

    /// - Throws: `ACCESS_DENIED` unless this principal may act on `tenant`. The check comes
    ///   before any lookup, so the answer is the same whether or not `tenant` exists.
    func requireAccess(to tenant: String) throws {
        guard mayAccess(tenant: tenant) else {
            throw MarketError(.accessDenied, "a token of tenant \(tenantID ?? "") cannot act on tenant \(tenant)",
                              fix: "use a token of that tenant, or an admin token")
        }
    }

    /// - Throws: `ACCESS_DENIED` unless this principal is an admin.
    func requireAdmin(_ action: String) throws {
        guard role == .admin else {
            throw MarketError(.accessDenied, "only an admin can \(action)", fix: "use the admin token")
        }
    }
}

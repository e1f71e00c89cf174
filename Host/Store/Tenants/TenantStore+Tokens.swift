import Foundation
import Logging
import MarketCore

extension TenantStore {
    /// Makes the admin token when the database has no unrevoked one (first start), and returns
    /// it, the only time it is available; nil when one exists. Safe when replicas start at
    /// once: an advisory lock lets exactly one of them make it.
    public func ensureAdminToken() async throws -> IssuedToken? {
        let issued: IssuedToken? = try await pool.transaction { connection in
            _ = try connection.prepared("SELECT pg_advisory_xact_lock(hashtext('market.admin-token'))")
            let existing = try connection.prepared("SELECT 1 FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL LIMIT 1")
            guard existing.isEmpty else { return nil }
            return try Self.insertToken(connection, role: .admin, tenant: nil, label: "first start", by: .system)
        }
        if let issued { logger.notice("created the admin token", metadata: ["token_id": .string(issued.info.id)]) }
        return issued
    }

    /// Makes a tenant token (admins, and the tenant's own principals, may), or with `tenant`
    /// nil another admin token (admins only): for another operator, or to replace a lost one.
    /// - Throws: `ACCESS_DENIED`, `TENANT_NOT_FOUND`.
    public func createToken(tenant: String?, label: String = "", by principal: Principal) async throws -> IssuedToken {
        try Self.requireAccess(principal, tokensOf: tenant)
        let label = String(label.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))
        let issued: IssuedToken = try await pool.transaction { connection in
            if let tenant { try Self.requireTenant(tenant, connection) }
            return try Self.insertToken(connection, role: tenant == nil ? .admin : .tenant, tenant: tenant, label: label, by: principal)
        }
        logger.info("token created", metadata: ["tenant": .string(tenant ?? "-"), "token_id": .string(issued.info.id)])
        return issued
    }

    /// The tenant's tokens (with `tenant` nil, the admin tokens), revoked ones included, oldest
    /// first. Values are never listed.
    public func tokens(tenant: String?, by principal: Principal) async throws -> [TokenInfo] {
        try Self.requireAccess(principal, tokensOf: tenant)
        return try await pool.transaction { connection in
            if let tenant { try Self.requireTenant(tenant, connection, lock: false) }
            return try connection.prepared("""
                SELECT id, role, tenant_id, label, created_at, last_used_at, revoked_at FROM api_tokens
                WHERE tenant_id IS NOT DISTINCT FROM $1::text ORDER BY created_at, id
                """, [tenant]).map(Self.tokenInfo)
        }
    }

    /// Revokes one of the tenant's tokens (with `tenant` nil, an admin token); it stops
    /// authenticating at once. Revoking a revoked token changes nothing. When the last admin
    /// token is revoked, the next start makes a new one.
    /// - Throws: `ACCESS_DENIED`, `TOKEN_NOT_FOUND` (also for another tenant's token id).
    @discardableResult
    public func revokeToken(_ tokenID: String, tenant: String?, by principal: Principal) async throws -> TokenInfo {
        try Self.requireAccess(principal, tokensOf: tenant)
        guard TokenMaker.isTokenID(tokenID) else {
            // Never echoed: a token's value pasted by mistake must not end up in an error.
            throw MarketError(.tokenNotFound, "that is not a token id: ids are tok_ and 16 hex digits (a token's id is not its value)",
                              fix: "list the tokens with `market tenant token \(tenant ?? "--admin") --list`")
        }
        let info: TokenInfo = try await pool.transaction { connection in
            let revoked = try connection.prepared("""
                UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND tenant_id IS NOT DISTINCT FROM $2::text AND revoked_at IS NULL
                RETURNING id, role, tenant_id, label, created_at, last_used_at, revoked_at
                """, [tokenID, tenant])
            if let row = revoked.first {
                try AuditWriter.record(connection, tenant: tenant, by: principal, action: "token.revoke", target: "token:\(tokenID)")
                return try Self.tokenInfo(row)
            }
            let existing = try connection.prepared("""
                SELECT id, role, tenant_id, label, created_at, last_used_at, revoked_at FROM api_tokens
                WHERE id = $1 AND tenant_id IS NOT DISTINCT FROM $2::text
                """, [tokenID, tenant])
            guard let row = existing.first else {
                let owner = tenant.map { "tenant \($0)" } ?? "the admin"
                throw MarketError(.tokenNotFound, "\(owner) has no token \(tokenID)",
                                  fix: "list the tokens with `market tenant token \(tenant ?? "--admin") --list`")
            }
            return try Self.tokenInfo(row)
        }
        logger.info("token revoked", metadata: ["tenant": .string(tenant ?? "-"), "token_id": .string(tokenID)])
        return info
    }

    /// The principal a bearer token stands for, or nil when the token is unknown, revoked or
    /// malformed. Records when a token was last used, at most once a minute.
    public func authenticate(_ token: String) async throws -> Principal? {
        guard token.utf8.count == 47, token.hasPrefix("mka_") || token.hasPrefix("mkt_") else { return nil }
        let hash = TokenMaker.hash(token)
        return try await pool.withConnection { connection in
            guard let row = try connection.prepared("""
                SELECT id, role, tenant_id, coalesce(last_used_at < now() - interval '1 minute', true) AS stale
                FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL
                """, [hash]).first else { return nil }
            let id: String = try row.decode("id")
            if try row.decode("stale", as: Bool.self) {
                _ = try connection.prepared("UPDATE api_tokens SET last_used_at = now() WHERE id = $1", [id])
            }
            let role = Principal.Role(rawValue: try row.decode("role")) ?? .tenant
            switch role {
            case .admin: return .admin(actor: "token:\(id)")
            case .tenant: return .tenant(try row.decode("tenant_id"), actor: "token:\(id)")
            }
        }
    }

    /// A tenant's tokens are for admins and that tenant; admin tokens for admins only.
    static func requireAccess(_ principal: Principal, tokensOf tenant: String?) throws {
        if let tenant { try principal.requireAccess(to: tenant) } else { try principal.requireAdmin("manage admin tokens") }
    }

    static func insertToken(_ connection: PostgresConnection, role: Principal.Role, tenant: String?, label: String,
                            by principal: Principal) throws -> IssuedToken {
        let (id, token) = TokenMaker.make(role: role)
        let row = try connection.prepared("""
            INSERT INTO api_tokens (id, tenant_id, role, token_hash, label) VALUES ($1, $2, $3, $4, $5)
            RETURNING id, role, tenant_id, label, created_at, last_used_at, revoked_at
            """, [id, tenant, role.rawValue, TokenMaker.hash(token), label])
        try AuditWriter.record(connection, tenant: tenant, by: principal, action: "token.create", target: "token:\(id)",
                               details: ["role": .string(role.rawValue), "label": .string(label)])
        guard let row = row.first else {
            throw MarketError(.queryFailed, "the token was not stored", fix: "retry; report this if it persists")
        }
        return IssuedToken(info: try tokenInfo(row), token: token)
    }

    static func tokenInfo(_ row: Row) throws -> TokenInfo {
        TokenInfo(id: try row.decode("id"), role: Principal.Role(rawValue: try row.decode("role")) ?? .tenant,
                  tenantID: try row.decode("tenant_id"), label: try row.decode("label"), createdAt: try row.decode("created_at"),
                  lastUsedAt: try row.decode("last_used_at"), revokedAt: try row.decode("revoked_at"))
    }
}

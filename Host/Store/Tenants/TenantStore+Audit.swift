import Foundation
import MarketCore

extension TenantStore {
    /// Audit entries, newest first.
    /// - Parameters:
    ///   - tenant: one tenant's entries; nil for every entry (admins) or the principal's own
    ///     tenant's (tenant principals).
    ///   - limit: at most this many entries (1–1000).
    ///   - before: only entries with a smaller id, to page back through the log.
    /// - Throws: `ACCESS_DENIED` for another tenant's principal.
    public func auditLog(tenant: String? = nil, limit: Int = 100, before: Int64? = nil, by principal: Principal) async throws -> [AuditEntry] {
        let scope = principal.role == .admin ? tenant : (tenant ?? principal.tenantID)
        if let scope { try principal.requireAccess(to: scope) }
        let limit = min(max(limit, 1), 1000)
        return try await pool.withConnection { connection in
            try connection.prepared("""
                SELECT id, tenant_id, actor, action, target, details, at FROM audit_log
                WHERE ($1::text IS NULL OR tenant_id = $1) AND ($2::bigint IS NULL OR id < $2)
                ORDER BY id DESC LIMIT $3
                """, [scope, before, limit]).map { row in
                AuditEntry(id: try row.decode("id"), tenantID: try row.decode("tenant_id"), actor: try row.decode("actor"),
                           action: try row.decode("action"), target: try row.decode("target"), details: try row.decode("details"),
                           at: try row.decode("at"))
            }
        }
    }
}

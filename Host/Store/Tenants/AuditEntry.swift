import Foundation
import MarketCore

/// One change, as the audit log records it: who, what, on what, when. `details` holds names
/// and flags, never a secret's value.
public struct AuditEntry: Sendable, Equatable, Codable {
    public let id: Int64
    /// The tenant the change concerns; nil for changes outside any tenant.
    public let tenantID: String?
    /// The principal's actor: `token:tok_…`, `cli:USER`, `system`.
    public let actor: String
    /// What happened: `tenant.create`, `token.create`, `token.revoke`, `plugin.enable`,
    /// `plugin.disable`, `config.set`, `secret.set`, `secret.delete`; outside any tenant, the
    /// desired plugin state's `plugin.install`, `plugin.update`, `plugin.rollback`, `plugin.uninstall`.
    public let action: String
    /// What it happened to: `plugin:openai`, `token:tok_…`, `tenant:acme`.
    public let target: String
    public let details: JSONValue
    public let at: Date
}

/// Writes audit rows inside the caller's transaction, so a change and its record commit or
/// roll back together.
enum AuditWriter {
    static func record(_ connection: PostgresConnection, tenant: String?, by principal: Principal, action: String,
                       target: String, details: [String: JSONValue] = [:]) throws {
        _ = try connection.prepared("""
            INSERT INTO audit_log (tenant_id, actor, action, target, details) VALUES ($1, $2, $3, $4, $5)
            """, [tenant, principal.actor, action, target, JSONValue.object(details)])
    }
}

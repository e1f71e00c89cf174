import Foundation
import Logging
import MarketCore

/// Tenants and access: tenants, API tokens, per-tenant plugins with validated config and
/// encrypted secrets, and the audit log.
///
/// Every method that reads or changes a tenant's data takes the `Principal` asking and refuses
/// (`ACCESS_DENIED`) a tenant principal acting on another tenant, before any lookup; every
/// statement names the tenant in its `WHERE` clause. Each change and its audit entry commit in
/// one transaction. Work runs on the pool's threads, never on the cooperative pool.
public final class TenantStore: Sendable {
    let pool: DatabasePool
    /// Seals and opens secrets under the master key; the Telegram channel seals bot tokens with it.
    public let box: SecretBox
    let manifests: any ManifestSource
    let logger: Logger

    /// - Parameters:
    ///   - pool: a pool on a database the migrations have been applied to.
    ///   - masterKey: seals and opens secrets.
    ///   - manifests: where plugins' config schemas and secret names come from.
    public init(pool: DatabasePool, masterKey: MasterKey, manifests: any ManifestSource, logger: Logger) {
        self.pool = pool
        box = SecretBox(key: masterKey)
        self.manifests = manifests
        self.logger = logger
    }

    /// The id of the master key secrets are sealed under now.
    public var masterKeyID: String { box.keyID }

    // MARK: Tenants

    /// Creates a tenant. Admins only.
    /// - Parameter name: for people; the id when nil or blank.
    /// - Throws: `ACCESS_DENIED`, `TENANT_ID_INVALID`, `TENANT_EXISTS`.
    @discardableResult
    public func createTenant(_ id: String, name: String? = nil, by principal: Principal) async throws -> Tenant {
        try principal.requireAdmin("create tenants")
        try Tenant.checkID(id)
        let trimmed = name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let displayName = trimmed.isEmpty ? id : String(trimmed.prefix(200))
        let tenant: Tenant = try await pool.transaction { connection in
            let rows = try connection.prepared("""
                INSERT INTO tenants (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id, name, created_at
                """, [id, displayName])
            guard let row = rows.first else {
                throw MarketError(.tenantExists, "a tenant with id \(id) exists already", fix: "choose another id, or use the existing tenant")
            }
            try AuditWriter.record(connection, tenant: id, by: principal, action: "tenant.create", target: "tenant:\(id)",
                                   details: ["name": .string(displayName)])
            return try Self.tenant(row)
        }
        logger.info("tenant created", metadata: ["tenant": .string(id), "actor": .string(principal.actor)])
        return tenant
    }

    /// The tenants the principal can see: all of them for an admin, its own for a tenant.
    public func tenants(by principal: Principal) async throws -> [Tenant] {
        let own = principal.role == .admin ? nil : principal.tenantID
        return try await pool.withConnection { connection in
            try connection.prepared("SELECT id, name, created_at FROM tenants WHERE $1::text IS NULL OR id = $1 ORDER BY id", [own])
                .map(Self.tenant)
        }
    }

    /// One tenant, or nil when there is none with that id.
    /// - Throws: `ACCESS_DENIED` for another tenant's principal.
    public func tenant(_ id: String, by principal: Principal) async throws -> Tenant? {
        try principal.requireAccess(to: id)
        return try await pool.withConnection { connection in
            try connection.prepared("SELECT id, name, created_at FROM tenants WHERE id = $1", [id]).first.map(Self.tenant)
        }
    }

    /// - Throws: `TENANT_NOT_FOUND` unless the tenant exists. Changes lock its row against
    ///   deletion until the transaction ends; reads pass `lock: false`, since a row lock gives
    ///   the transaction an id and so makes its commit wait for a WAL flush.
    static func requireTenant(_ id: String, _ connection: PostgresConnection, lock: Bool = true) throws {
        let sql = lock ? "SELECT 1 FROM tenants WHERE id = $1 FOR SHARE" : "SELECT 1 FROM tenants WHERE id = $1"
        guard try !connection.prepared(sql, [id]).isEmpty else {
            throw MarketError(.tenantNotFound, "there is no tenant \(id)", fix: "list tenants with `market tenant list`, or create it with `market tenant create \(id)`")
        }
    }

    static func tenant(_ row: Row) throws -> Tenant {
        Tenant(id: try row.decode("id"), name: try row.decode("name"), createdAt: try row.decode("created_at"))
    }
}

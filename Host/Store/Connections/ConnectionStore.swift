import Foundation
import Logging
import MarketCore
import MarketHTTP

/// Tenants' connections to their plugins' outside services (docs/connections.md): API keys,
/// long-lived tokens and OAuth2 tokens, sealed with the master key, one per (tenant, plugin).
///
/// Changes take the `Principal` asking, as `TenantStore`'s do, and each change commits with its
/// audit entry. Tokens never leave this type except through `credential(_:)`, which hands the
/// access token (never the refresh token) to the plugin runtime.
public final class ConnectionStore: Sendable {
    let tenants: TenantStore
    let logger: Logger
    /// The address ranges besides public ones that OAuth2 token requests may reach (serve's
    /// `--allow-network`): a manifest's token URL must not turn the host against its own network.
    let tokenRequestGuard: AddressGuard
    var pool: DatabasePool { tenants.pool }
    var box: SecretBox { tenants.box }

    /// Longest credential accepted: far above any real token, low enough to refuse a file.
    public static let maximumCredentialBytes = 16 << 10

    /// - Parameters:
    ///   - tenants: whose database, master key and installed manifests connections use.
    ///   - allowedRanges: the guarded address ranges OAuth2 token endpoints may be in.
    public init(tenants: TenantStore, allowedRanges: Set<AddressRange> = [], logger: Logger) {
        self.tenants = tenants
        self.tokenRequestGuard = AddressGuard(allowing: allowedRanges)
        self.logger = logger
    }

    /// Stores an API key or long-lived token as the tenant's connection for `plugin`, replacing
    /// any connection it had (an OAuth2 one included).
    /// - Throws: `ACCESS_DENIED`, `PLUGIN_NOT_FOUND`, `TENANT_NOT_FOUND`, `CONNECTION_INVALID`.
    @discardableResult
    public func setCredential(_ value: String, kind: TenantConnection.Kind, plugin: String, tenant: String,
                              by principal: Principal) async throws -> TenantConnection {
        guard kind != .oauth2 else {
            throw MarketError(.connectionInvalid, "an OAuth2 connection is made by signing in, not by pasting a token",
                              fix: "start the sign-in with `market connections authorize \(plugin) --tenant \(tenant)`")
        }
        try Self.check(value, what: kind == .apiKey ? "API key" : "token", plugin: plugin)
        return try await store(kind: kind, access: value, refresh: nil, expiresAt: nil, scopes: [], plugin: plugin, tenant: tenant, by: principal)
    }

    /// Stores tokens from an OAuth2 authorization as the tenant's connection for `plugin`,
    /// replacing any connection it had; a connection that needed reconnecting is connected again.
    /// - Throws: `ACCESS_DENIED`, `PLUGIN_NOT_FOUND`, `TENANT_NOT_FOUND`, `CONNECTION_INVALID`.
    /// - Parameter redirectURI: the redirect URI of the authorization, sent again on refresh.
    @discardableResult
    public func storeAuthorization(_ tokens: OAuthTokens, plugin: String, tenant: String, redirectURI: String? = nil,
                                   by principal: Principal) async throws -> TenantConnection {
        try Self.check(tokens.accessToken, what: "access token", plugin: plugin)
        if let refresh = tokens.refreshToken { try Self.check(refresh, what: "refresh token", plugin: plugin) }
        return try await store(kind: .oauth2, access: tokens.accessToken, refresh: tokens.refreshToken, expiresAt: tokens.expiresAt,
                               scopes: tokens.scopes, redirectURI: redirectURI, plugin: plugin, tenant: tenant, by: principal)
    }

    /// Removes the tenant's connection for `plugin`; the plugin's calls then answer that it is
    /// not connected.
    /// - Throws: `ACCESS_DENIED`, `TENANT_NOT_FOUND`, `CONNECTION_NOT_FOUND`.
    public func remove(plugin: String, tenant: String, by principal: Principal) async throws {
        try principal.requireAccess(to: tenant)
        try await pool.transaction { connection in
            try TenantStore.requireTenant(tenant, connection)
            let deleted = try connection.prepared("DELETE FROM connections WHERE tenant_id = $1 AND plugin_id = $2 RETURNING kind", [tenant, plugin])
            guard let kind = try deleted.first?.decode("kind", as: String.self) else {
                throw MarketError(.connectionNotFound, "tenant \(tenant) has no connection for \(plugin)",
                                  fix: "list them with `market connections list --tenant \(tenant)`")
            }
            try AuditWriter.record(connection, tenant: tenant, by: principal, action: "connection.disconnect", target: "plugin:\(plugin)",
                                   details: ["kind": .string(kind)])
        }
        logger.info("connection removed", metadata: ["tenant": .string(tenant), "plugin": .string(plugin)])
    }

    /// The tenant's connections, by plugin id; never a token.
    /// - Throws: `ACCESS_DENIED`, `TENANT_NOT_FOUND`.
    public func connections(tenant: String, by principal: Principal) async throws -> [TenantConnection] {
        try principal.requireAccess(to: tenant)
        return try await pool.transaction { connection in
            try TenantStore.requireTenant(tenant, connection, lock: false)
            return try connection.prepared("SELECT \(Self.columns) FROM connections WHERE tenant_id = $1 ORDER BY plugin_id", [tenant])
                .map(Self.decodeConnection)
        }
    }

    /// The tenant's connection for `plugin`, or nil.
    /// - Throws: `ACCESS_DENIED`.
    public func connection(plugin: String, tenant: String, by principal: Principal) async throws -> TenantConnection? {
        try principal.requireAccess(to: tenant)
        return try await pool.withConnection { connection in
            try connection.prepared("SELECT \(Self.columns) FROM connections WHERE tenant_id = $1 AND plugin_id = $2", [tenant, plugin])
                .first.map(Self.decodeConnection)
        }
    }

    private func store(kind: TenantConnection.Kind, access: String, refresh: String?, expiresAt: Date?, scopes: [String],
                       redirectURI: String? = nil, plugin: String, tenant: String, by principal: Principal) async throws -> TenantConnection {
        try principal.requireAccess(to: tenant)
        _ = try tenants.manifest(plugin)
        let sealedAccess = try box.seal(access, for: .connection(tenant: tenant, plugin: plugin, field: "access")).combined
        let sealedRefresh = try refresh.map { try box.seal($0, for: .connection(tenant: tenant, plugin: plugin, field: "refresh")).combined }
        let stored = try await pool.transaction { [box] connection in
            try TenantStore.requireTenant(tenant, connection)
            // token_version moves on every write, so a refresh that read the old tokens cannot
            // overwrite these.
            let row = try connection.prepared("""
                INSERT INTO connections (tenant_id, plugin_id, kind, access_sealed, refresh_sealed, key_id, access_expires_at, scopes, redirect_uri)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (tenant_id, plugin_id) DO UPDATE SET kind = excluded.kind, status = 'connected',
                    access_sealed = excluded.access_sealed, refresh_sealed = excluded.refresh_sealed, key_id = excluded.key_id,
                    access_expires_at = excluded.access_expires_at, scopes = excluded.scopes, redirect_uri = excluded.redirect_uri, last_error = NULL,
                    token_version = connections.token_version + 1, updated_at = now()
                RETURNING \(Self.columns)
                """, [tenant, plugin, kind.rawValue, sealedAccess, sealedRefresh, box.keyID, expiresAt, scopes.joined(separator: " "), redirectURI])
            var details: [String: JSONValue] = ["kind": .string(kind.rawValue)]
            if !scopes.isEmpty { details["scopes"] = .string(scopes.joined(separator: " ")) }
            try AuditWriter.record(connection, tenant: tenant, by: principal, action: "connection.connect", target: "plugin:\(plugin)", details: details)
            // Events that waited for this connection are due now.
            try ConnectionHold.release(Subscriber(tenantID: tenant, pluginID: plugin), on: connection)
            guard let stored = row.first else { throw MarketError(.connectionNotFound, "the connection was not stored", fix: "try again") }
            return try Self.decodeConnection(stored)
        }
        logger.info("connection stored", metadata: ["tenant": .string(tenant), "plugin": .string(plugin), "kind": .string(kind.rawValue)])
        return stored
    }

    static func check(_ value: String, what: String, plugin: String) throws {
        guard !value.isEmpty, !value.allSatisfy(\.isWhitespace) else {
            throw MarketError(.connectionInvalid, "the \(what) for \(plugin) is empty", fix: "give the value on standard input")
        }
        guard value.utf8.count <= maximumCredentialBytes else {
            throw MarketError(.connectionInvalid, "the \(what) for \(plugin) is longer than \(maximumCredentialBytes) bytes",
                              fix: "give the \(what) itself, not a file of them")
        }
    }

    static let columns = "tenant_id, plugin_id, kind, status, access_expires_at, scopes, last_error, updated_at"

    static func decodeConnection(_ row: Row) throws -> TenantConnection {
        let scopes: String = try row.decode("scopes")
        return TenantConnection(tenantID: try row.decode("tenant_id"), pluginID: try row.decode("plugin_id"),
                                // The table's CHECKs allow no other values.
                                kind: TenantConnection.Kind(rawValue: try row.decode("kind")) ?? .token,
                                status: TenantConnection.Status(rawValue: try row.decode("status")) ?? .needsReconnect,
                                accessExpiresAt: try row.decode("access_expires_at"), scopes: scopes.split(separator: " ").map(String.init),
                                lastError: try row.decode("last_error"), updatedAt: try row.decode("updated_at"))
    }
}

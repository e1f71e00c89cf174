import Foundation
import Logging
import MarketCore

/// Inbound hook ids (docs/webhooks.md, "The hook URL"): one per installation of a plugin with
/// `permissions.ingress`, made when the plugin is enabled or first listed, and rotatable.
extension TenantStore {
    /// The tenant's hooks: one for each installation whose plugin takes inbound HTTP, made now
    /// for any that has none yet. Plugins no longer installed here are left out.
    /// - Throws: `ACCESS_DENIED`, `TENANT_NOT_FOUND`.
    public func hooks(tenant: String, by principal: Principal) async throws -> [PluginHook] {
        try principal.requireAccess(to: tenant)
        let plugins = try await installations(tenant: tenant, by: principal).map(\.pluginID)
        let receiving = plugins.filter { (try? manifests.manifest(for: $0))?.permissions.ingress == true }
        return try await pool.transaction { connection in
            try Self.requireTenant(tenant, connection, lock: false)
            for plugin in receiving { try Self.ensureHook(connection, tenant: tenant, plugin: plugin) }
            return try connection.prepared("""
                SELECT h.tenant_id, h.plugin_id, h.hook_id, h.created_at, h.rotated_at, i.enabled
                FROM plugin_hooks h JOIN plugin_installations i USING (tenant_id, plugin_id)
                WHERE h.tenant_id = $1 AND h.plugin_id IN (SELECT jsonb_array_elements_text($2::jsonb)) ORDER BY h.plugin_id
                """, [tenant, JSONValue.array(receiving.map(JSONValue.string)).jsonText]).map(Self.hookRow)
        }
    }

    /// Gives the installation's hook a new id; the old URL stops answering at once.
    /// - Throws: `ACCESS_DENIED`, `TENANT_NOT_FOUND`, `HOOK_NOT_SUPPORTED` (the plugin takes no
    ///   inbound HTTP, or the tenant has not enabled or configured it), `PLUGIN_NOT_FOUND`.
    public func rotateHook(_ plugin: String, tenant: String, by principal: Principal) async throws -> PluginHook {
        try principal.requireAccess(to: tenant)
        guard try manifest(plugin).permissions.ingress else {
            throw MarketError(.hookNotSupported, "\(plugin) receives no inbound HTTP, so it has no hook",
                              fix: "list the tenant's hooks with `market hooks list --tenant \(tenant)`")
        }
        let hook: PluginHook = try await pool.transaction { connection in
            try Self.requireTenant(tenant, connection)
            guard try Self.installationRow(connection, plugin: plugin, tenant: tenant, lock: true) != nil else {
                throw MarketError(.hookNotSupported, "tenant \(tenant) has no installation of \(plugin)",
                                  fix: "enable it first: market enable \(plugin) --tenant \(tenant)")
            }
            try Self.ensureHook(connection, tenant: tenant, plugin: plugin)
            _ = try connection.prepared("""
                UPDATE plugin_hooks SET hook_id = $3, rotated_at = now() WHERE tenant_id = $1 AND plugin_id = $2
                """, [tenant, plugin, PluginHook.makeID()])
            try AuditWriter.record(connection, tenant: tenant, by: principal, action: "hook.rotate", target: "plugin:\(plugin)")
            return try Self.hook(connection, tenant: tenant, plugin: plugin)
        }
        logger.info("hook rotated", metadata: ["tenant": .string(tenant), "plugin": .string(plugin)])
        return hook
    }

    /// The hook with id `id`, for routing an inbound request; nil when there is none. The
    /// caller is the public hook route, so no principal: the id is the only credential there is
    /// to the route, and the plugin authenticates the request itself.
    public func hook(id: String) async throws -> PluginHook? {
        guard PluginHook.isHookID(id) else { return nil }
        return try await pool.withConnection { connection in
            try connection.prepared("""
                SELECT h.tenant_id, h.plugin_id, h.hook_id, h.created_at, h.rotated_at, i.enabled
                FROM plugin_hooks h JOIN plugin_installations i USING (tenant_id, plugin_id) WHERE h.hook_id = $1
                """, [id]).first.map(Self.hookRow)
        }
    }

    /// Makes the installation's hook if it has none (the installation must exist).
    static func ensureHook(_ connection: PostgresConnection, tenant: String, plugin: String) throws {
        _ = try connection.prepared("""
            INSERT INTO plugin_hooks (tenant_id, plugin_id, hook_id) VALUES ($1, $2, $3) ON CONFLICT (tenant_id, plugin_id) DO NOTHING
            """, [tenant, plugin, PluginHook.makeID()])
    }

    private static func hook(_ connection: PostgresConnection, tenant: String, plugin: String) throws -> PluginHook {
        guard let row = try connection.prepared("""
            SELECT h.tenant_id, h.plugin_id, h.hook_id, h.created_at, h.rotated_at, i.enabled
            FROM plugin_hooks h JOIN plugin_installations i USING (tenant_id, plugin_id) WHERE h.tenant_id = $1 AND h.plugin_id = $2
            """, [tenant, plugin]).first else {
            throw MarketError(.hookNotFound, "tenant \(tenant) has no hook for \(plugin)", fix: "enable the plugin for the tenant first")
        }
        return try hookRow(row)
    }

    private static func hookRow(_ row: Row) throws -> PluginHook {
        PluginHook(tenantID: try row.decode("tenant_id"), pluginID: try row.decode("plugin_id"), id: try row.decode("hook_id"),
                   enabled: try row.decode("enabled"), createdAt: try row.decode("created_at"), rotatedAt: try row.decode("rotated_at"))
    }
}

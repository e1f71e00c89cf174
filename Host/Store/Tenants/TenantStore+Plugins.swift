import Foundation
import Logging
import MarketCore

extension TenantStore {
    /// Enables a plugin for a tenant. The stored config (with its defaults) and stored secrets
    /// must satisfy the plugin's schema, so an enabled plugin can always be instantiated.
    /// In the same transaction the installation's event subscriptions become the patterns its
    /// manifest declares (`permissions.events.subscribe`), also when it was enabled already, so
    /// enabling again after an update picks up a changed list; a plugin with
    /// `permissions.ingress` gets its hook id (`hooks(tenant:by:)`) if it has none.
    /// - Throws: `ACCESS_DENIED`, `PLUGIN_NOT_FOUND`, `TENANT_NOT_FOUND`, `CONFIG_INVALID`
    ///   (listing the settings still missing).
    @discardableResult
    public func enable(_ plugin: String, tenant: String, by principal: Principal) async throws -> Installation {
        try principal.requireAccess(to: tenant)
        let manifest = try manifest(plugin)
        let schema = try configSchema(of: manifest)
        let installation: Installation = try await pool.transaction { connection in
            try Self.requireTenant(tenant, connection)
            let current = try Self.installationRow(connection, plugin: plugin, tenant: tenant, lock: true)
            let secrets = Set(try Self.secretNames(connection, plugin: plugin, tenant: tenant))
            let config = try schema.validated(current?.config ?? .object([:]), assumingPresent: secrets,
                                              subject: "the config of \(plugin) for tenant \(tenant)",
                                              fix: "set the missing settings first: market config \(plugin) --tenant \(tenant) name=value…")
            guard current?.enabled != true else {
                try Self.subscribeAsDeclared(connection, manifest: manifest, tenant: tenant)
                if manifest.permissions.ingress { try Self.ensureHook(connection, tenant: tenant, plugin: plugin) }
                return try Self.installation(connection, plugin: plugin, tenant: tenant)
            }
            _ = try connection.prepared("""
                INSERT INTO plugin_installations (tenant_id, plugin_id, enabled, config) VALUES ($1, $2, true, $3)
                ON CONFLICT (tenant_id, plugin_id) DO UPDATE SET enabled = true, updated_at = now()
                """, [tenant, plugin, config])
            try Self.subscribeAsDeclared(connection, manifest: manifest, tenant: tenant)
            // A plugin that takes inbound HTTP gets its hook URL now (docs/webhooks.md).
            if manifest.permissions.ingress { try Self.ensureHook(connection, tenant: tenant, plugin: plugin) }
            try AuditWriter.record(connection, tenant: tenant, by: principal, action: "plugin.enable", target: "plugin:\(plugin)")
            return try Self.installation(connection, plugin: plugin, tenant: tenant)
        }
        logger.info("plugin enabled", metadata: ["tenant": .string(tenant), "plugin": .string(plugin)])
        return installation
    }

    /// Disables a plugin for a tenant, keeping its config and secrets. Works for plugins no
    /// longer installed; nil when the tenant never had the plugin.
    @discardableResult
    public func disable(_ plugin: String, tenant: String, by principal: Principal) async throws -> Installation? {
        try principal.requireAccess(to: tenant)
        return try await pool.transaction { [logger] connection in
            try Self.requireTenant(tenant, connection)
            let changed = try connection.prepared("""
                UPDATE plugin_installations SET enabled = false, updated_at = now()
                WHERE tenant_id = $1 AND plugin_id = $2 AND enabled
                """, [tenant, plugin])
            if changed.affectedRows > 0 {
                try AuditWriter.record(connection, tenant: tenant, by: principal, action: "plugin.disable", target: "plugin:\(plugin)")
                logger.info("plugin disabled", metadata: ["tenant": .string(tenant), "plugin": .string(plugin)])
            }
            guard try Self.installationRow(connection, plugin: plugin, tenant: tenant, lock: false) != nil else { return nil }
            return try Self.installation(connection, plugin: plugin, tenant: tenant)
        }
    }

    /// The tenant's installation of a plugin, or nil when it has none.
    public func installation(_ plugin: String, tenant: String, by principal: Principal) async throws -> Installation? {
        try principal.requireAccess(to: tenant)
        return try await pool.transaction { connection in
            try Self.requireTenant(tenant, connection, lock: false)
            guard try Self.installationRow(connection, plugin: plugin, tenant: tenant, lock: false) != nil else { return nil }
            return try Self.installation(connection, plugin: plugin, tenant: tenant)
        }
    }

    /// Every plugin the tenant has enabled or configured, by plugin id.
    public func installations(tenant: String, by principal: Principal) async throws -> [Installation] {
        try principal.requireAccess(to: tenant)
        return try await pool.transaction { connection in
            try Self.requireTenant(tenant, connection, lock: false)
            return try connection.prepared("SELECT plugin_id FROM plugin_installations WHERE tenant_id = $1 ORDER BY plugin_id", [tenant])
                .map { try Self.installation(connection, plugin: try $0.decode("plugin_id"), tenant: tenant) }
        }
    }

    // MARK: Shared

    /// Makes the manifest's `permissions.events.subscribe` the installation's whole event
    /// subscription. Publishing fans out only to enabled installations, and workers claim only
    /// their deliveries, so a disabled plugin's rows stay inert until it is enabled again.
    static func subscribeAsDeclared(_ connection: PostgresConnection, manifest: PluginManifest, tenant: String) throws {
        let patterns = Array(Set(manifest.permissions.events.subscribe)).sorted()
        for pattern in patterns where EventTypePattern(pattern) == nil {
            throw MarketError(.manifestInvalid, "plugin \(manifest.id) subscribes to '\(pattern)', which is not an event type pattern",
                              fix: "list exact types (lead.created), prefixes (lead.*) or * in permissions.events.subscribe")
        }
        _ = try connection.prepared("DELETE FROM event_subscriptions WHERE tenant_id = $1 AND plugin_id = $2", [tenant, manifest.id])
        if !patterns.isEmpty {
            _ = try connection.prepared("""
                INSERT INTO event_subscriptions (tenant_id, plugin_id, pattern)
                SELECT $1, $2, pattern FROM jsonb_array_elements_text($3::jsonb) AS pattern
                """, [tenant, manifest.id, JSONValue.array(patterns.map(JSONValue.string)).jsonText])
        }
    }

    /// The manifest of an installed plugin.
    /// - Throws: `PLUGIN_NOT_FOUND`, or `MANIFEST_INVALID` for a broken one.
    func manifest(_ plugin: String) throws -> PluginManifest {
        guard let manifest = try manifests.manifest(for: plugin) else {
            throw MarketError(.pluginNotFound, "no plugin \(plugin) is installed",
                              fix: "install it with `market install \(plugin)`, or point --plugins at a folder of plugin folders")
        }
        return manifest
    }

    /// The config schema of an installed plugin, compiled.
    /// - Throws: `PLUGIN_NOT_FOUND`, `MANIFEST_INVALID`, `CONFIG_SCHEMA_INVALID`.
    public func configSchema(for plugin: String) throws -> ConfigSchema {
        try configSchema(of: try manifest(plugin))
    }

    /// The manifest's config schema; a plugin without one takes no settings.
    func configSchema(of manifest: PluginManifest) throws -> ConfigSchema {
        try manifest.configSchema()
    }

    struct InstallationRow: Sendable {
        let enabled: Bool
        let config: JSONValue
    }

    static func installationRow(_ connection: PostgresConnection, plugin: String, tenant: String, lock: Bool) throws -> InstallationRow? {
        let sql = "SELECT enabled, config FROM plugin_installations WHERE tenant_id = $1 AND plugin_id = $2" + (lock ? " FOR UPDATE" : "")
        return try connection.prepared(sql, [tenant, plugin]).first.map {
            InstallationRow(enabled: try $0.decode("enabled"), config: try $0.decode("config"))
        }
    }

    static func installation(_ connection: PostgresConnection, plugin: String, tenant: String) throws -> Installation {
        guard let row = try connection.prepared("""
            SELECT enabled, config, updated_at FROM plugin_installations WHERE tenant_id = $1 AND plugin_id = $2
            """, [tenant, plugin]).first else {
            throw MarketError(.pluginNotFound, "tenant \(tenant) has no installation of \(plugin)", fix: "enable or configure it first")
        }
        return Installation(tenantID: tenant, pluginID: plugin, enabled: try row.decode("enabled"), config: try row.decode("config"),
                            secretNames: try secretNames(connection, plugin: plugin, tenant: tenant), updatedAt: try row.decode("updated_at"))
    }

    static func secretNames(_ connection: PostgresConnection, plugin: String, tenant: String) throws -> [String] {
        try connection.prepared("SELECT name FROM secrets WHERE tenant_id = $1 AND plugin_id = $2 ORDER BY name COLLATE \"C\"", [tenant, plugin])
            .map { try $0.decode("name") }
    }
}

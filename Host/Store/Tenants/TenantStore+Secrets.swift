import Foundation
import Logging
import MarketCore

extension MarketError.Code {
    /// A secret's value is empty or fails its config field's schema.
    public static let secretInvalid = Self(rawValue: "SECRET_INVALID")
}

extension TenantStore {
    /// The secret names a plugin may have: its `permissions.secrets` and its config fields
    /// marked `format: secret`, sorted.
    public func allowedSecretNames(_ plugin: String) throws -> [String] {
        let manifest = try manifest(plugin)
        return Set(manifest.permissions.secrets).union(try configSchema(of: manifest).secretFields).sorted()
    }

    /// Stores (or replaces) a secret of a tenant's plugin, sealed with AES-GCM.
    /// - Throws: `ACCESS_DENIED`, `PLUGIN_NOT_FOUND`, `TENANT_NOT_FOUND`,
    ///   `SECRET_NOT_ALLOWED` (a name the manifest does not list), `SECRET_INVALID`.
    public func setSecret(_ name: String, value: String, plugin: String, tenant: String, by principal: Principal) async throws {
        try principal.requireAccess(to: tenant)
        let manifest = try manifest(plugin)
        let schema = try configSchema(of: manifest)
        try requireAllowed(name, manifest: manifest, schema: schema)
        guard !value.isEmpty else {
            throw MarketError(.secretInvalid, "the value for secret \(name) of \(plugin) is empty",
                              fix: "give the value (on standard input or with --value), or delete the secret instead")
        }
        if schema.secretFields.contains(name) {
            let found = schema.violations(ofField: name, value: .string(value))
            guard found.isEmpty else {
                throw MarketError(.secretInvalid, "the value for secret \(name) of \(plugin) is invalid: " + found.map(\.description).joined(separator: "; "),
                                  fix: "check the value against the plugin's documentation", underlying: ConfigViolations(found))
            }
        }
        try await pool.transaction { [box] connection in
            try Self.requireTenant(tenant, connection)
            try Self.storeSecret(connection, box: box, name: name, value: value, plugin: plugin, tenant: tenant)
            try Self.markSettingsChanged(connection, plugin: plugin, tenant: tenant)
            try AuditWriter.record(connection, tenant: tenant, by: principal, action: "secret.set", target: "plugin:\(plugin)",
                                   details: ["name": .string(name)])
        }
        logger.info("secret set", metadata: ["tenant": .string(tenant), "plugin": .string(plugin), "name": .string(name)])
    }

    /// Deletes a secret of a tenant's plugin.
    /// - Throws: `ACCESS_DENIED`, `TENANT_NOT_FOUND`, `SECRET_NOT_FOUND`.
    public func deleteSecret(_ name: String, plugin: String, tenant: String, by principal: Principal) async throws {
        try principal.requireAccess(to: tenant)
        try await pool.transaction { connection in
            try Self.requireTenant(tenant, connection)
            let deleted = try connection.prepared("DELETE FROM secrets WHERE tenant_id = $1 AND plugin_id = $2 AND name = $3",
                                                  [tenant, plugin, name])
            guard deleted.affectedRows > 0 else {
                throw MarketError(.secretNotFound, "tenant \(tenant) has no secret \(name) for \(plugin)",
                                  fix: "list the stored names with `market secret list \(plugin) --tenant \(tenant)`")
            }
            try Self.markSettingsChanged(connection, plugin: plugin, tenant: tenant)
            try AuditWriter.record(connection, tenant: tenant, by: principal, action: "secret.delete", target: "plugin:\(plugin)",
                                   details: ["name": .string(name)])
        }
        logger.info("secret deleted", metadata: ["tenant": .string(tenant), "plugin": .string(plugin), "name": .string(name)])
    }

    /// The names of a tenant's stored secrets for a plugin, sorted; never their values.
    public func secretNames(_ plugin: String, tenant: String, by principal: Principal) async throws -> [String] {
        try principal.requireAccess(to: tenant)
        return try await pool.transaction { connection in
            try Self.requireTenant(tenant, connection, lock: false)
            return try Self.secretNames(connection, plugin: plugin, tenant: tenant)
        }
    }

    /// What the host needs to instantiate a tenant's plugin: its config with secret fields put
    /// back, and every secret decrypted. For the plugin runtime only; takes no principal because
    /// no caller outside the host may see decrypted secrets.
    /// - Throws: `PLUGIN_NOT_FOUND` (not installed, or never enabled or configured for the
    ///   tenant), `SECRET_UNREADABLE` (altered, moved or sealed under another key).
    public func settingsForInstance(_ plugin: String, tenant: String) async throws -> PluginSettings {
        let schema = try configSchema(of: try manifest(plugin))
        let (row, sealed) = try await pool.transaction { connection in
            guard let row = try Self.installationRow(connection, plugin: plugin, tenant: tenant, lock: false) else {
                throw MarketError(.pluginNotFound, "tenant \(tenant) has not enabled \(plugin)",
                                  fix: "enable it with `market enable \(plugin) --tenant \(tenant)`")
            }
            let sealed = try connection.prepared("""
                SELECT name, ciphertext, nonce, key_id FROM secrets WHERE tenant_id = $1 AND plugin_id = $2 ORDER BY name
                """, [tenant, plugin]).map { row in
                (try row.decode("name", as: String.self),
                 SecretBox.Sealed(ciphertext: try row.decode("ciphertext"), nonce: try row.decode("nonce"), keyID: try row.decode("key_id")))
            }
            return (row, sealed)
        }
        var secrets: [String: String] = [:]
        for (name, value) in sealed { secrets[name] = try box.open(value, for: .secret(tenant: tenant, plugin: plugin, name: name)) }
        guard case .object(var config) = row.config else {
            throw MarketError(.configInvalid, "the stored config of \(plugin) for tenant \(tenant) is not an object", fix: "set it again")
        }
        for name in schema.secretFields { config[name] = secrets[name].map(JSONValue.string) }
        return PluginSettings(tenantID: tenant, pluginID: plugin, enabled: row.enabled, instanceConfig: .object(config), secrets: secrets)
    }

    func requireAllowed(_ name: String, manifest: PluginManifest, schema: ConfigSchema) throws {
        let allowed = Set(manifest.permissions.secrets).union(schema.secretFields)
        guard allowed.contains(name) else {
            let list = allowed.isEmpty ? "it declares none" : "it declares " + allowed.sorted().joined(separator: ", ")
            throw MarketError(.secretNotAllowed, "plugin \(manifest.id) has no secret named \(name.prefix(64)) (\(list))",
                              fix: "use a name from the plugin's permissions.secrets or its secret config fields")
        }
    }

    /// Moves the installation's `updated_at`, the settings version its instances are keyed by,
    /// so a secret's change re-creates the tenant's instance as a config change does.
    static func markSettingsChanged(_ connection: PostgresConnection, plugin: String, tenant: String) throws {
        _ = try connection.prepared("UPDATE plugin_installations SET updated_at = now() WHERE tenant_id = $1 AND plugin_id = $2", [tenant, plugin])
    }

    static func storeSecret(_ connection: PostgresConnection, box: SecretBox, name: String, value: String, plugin: String, tenant: String) throws {
        let sealed = try box.seal(value, for: .secret(tenant: tenant, plugin: plugin, name: name))
        _ = try connection.prepared("""
            INSERT INTO secrets (tenant_id, plugin_id, name, ciphertext, nonce, key_id) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (tenant_id, plugin_id, name) DO UPDATE
            SET ciphertext = excluded.ciphertext, nonce = excluded.nonce, key_id = excluded.key_id, updated_at = now()
            """, [tenant, plugin, name, sealed.ciphertext, sealed.nonce, sealed.keyID])
    }
}

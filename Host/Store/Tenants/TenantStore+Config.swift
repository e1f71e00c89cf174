import Foundation
import Logging
import MarketCore

extension TenantStore {
    /// How `configure` combines the given settings with the stored ones.
    public enum ConfigUpdate: Sendable {
        /// JSON Merge Patch (RFC 7396): given members replace stored ones, `null` removes one.
        case merge
        /// The given object becomes the whole config (stored secrets are kept).
        case replace
    }

    /// Sets a plugin's config for a tenant, validated against the plugin's schema with its
    /// defaults filled in. Fields with `format: secret` are sealed into `secrets` (a `null`
    /// deletes one) and never stored in the config. Nothing is written unless every field is
    /// valid; the audit entry names the fields changed, never their values.
    /// - Throws: `ACCESS_DENIED`, `PLUGIN_NOT_FOUND`, `TENANT_NOT_FOUND`, `CONFIG_INVALID`
    ///   (`error.violations` lists each field), `CONFIG_SCHEMA_INVALID`.
    @discardableResult
    public func configure(_ plugin: String, tenant: String, with patch: JSONValue, mode: ConfigUpdate = .merge,
                          by principal: Principal) async throws -> Installation {
        try principal.requireAccess(to: tenant)
        let schema = try configSchema(of: try manifest(plugin))
        let subject = "the config of \(plugin) for tenant \(tenant)"
        guard case .object(let given) = patch else {
            throw MarketError(.configInvalid, "\(subject) is invalid: /: must be an object",
                              fix: "pass settings as a JSON object, or as name=value pairs",
                              underlying: ConfigViolations([SchemaViolation(path: "", message: "must be an object")]))
        }
        let secretValues = given.filter { schema.secretFields.contains($0.key) }
        let settings = JSONValue.object(given.filter { !schema.secretFields.contains($0.key) })
        let deleted = Set(secretValues.filter { $0.value == .null }.map(\.key))
        let sealed = secretValues.filter { $0.value != .null }

        let installation: Installation = try await pool.transaction { [box] connection in
            try Self.requireTenant(tenant, connection)
            let current = try Self.installationRow(connection, plugin: plugin, tenant: tenant, lock: true)
            let merged = switch mode {
            case .merge: JSONMergePatch.apply(settings, to: current?.config ?? .object([:]))
            case .replace: JSONMergePatch.apply(settings, to: .object([:]))
            }
            // Secrets given are validated with the rest; stored ones count as present.
            guard case .object(var candidate) = merged else { throw MarketError(.configInvalid, "\(subject) is not an object") }
            for (name, value) in sealed { candidate[name] = value }
            let stored = Set(try Self.secretNames(connection, plugin: plugin, tenant: tenant)).subtracting(deleted)
            let valid = try schema.validated(.object(candidate), assumingPresent: stored, subject: subject)
            guard case .object(var config) = valid else { throw MarketError(.configInvalid, "\(subject) is not an object") }
            for name in schema.secretFields { config[name] = nil }

            _ = try connection.prepared("""
                INSERT INTO plugin_installations (tenant_id, plugin_id, config) VALUES ($1, $2, $3)
                ON CONFLICT (tenant_id, plugin_id) DO UPDATE SET config = excluded.config, updated_at = now()
                """, [tenant, plugin, JSONValue.object(config)])
            for (name, value) in sealed.sorted(by: { $0.key < $1.key }) {
                guard case .string(let text) = value else { continue }
                try Self.storeSecret(connection, box: box, name: name, value: text, plugin: plugin, tenant: tenant)
            }
            for name in deleted.sorted() {
                _ = try connection.prepared("DELETE FROM secrets WHERE tenant_id = $1 AND plugin_id = $2 AND name = $3", [tenant, plugin, name])
            }
            try AuditWriter.record(connection, tenant: tenant, by: principal, action: "config.set", target: "plugin:\(plugin)", details: [
                "fields": .array(settings.objectKeys.map(JSONValue.string)),
                "secrets_set": .array(sealed.keys.sorted().map(JSONValue.string)),
                "secrets_deleted": .array(deleted.sorted().map(JSONValue.string)),
                "mode": .string(mode == .merge ? "merge" : "replace"),
            ])
            return try Self.installation(connection, plugin: plugin, tenant: tenant)
        }
        logger.info("plugin configured", metadata: [
            "tenant": .string(tenant), "plugin": .string(plugin),
            "fields": .array(settings.objectKeys.map { .string($0) }), "secrets": .array(sealed.keys.sorted().map { .string($0) }),
        ])
        return installation
    }
}

extension JSONValue {
    /// An object's member names, sorted; empty for other values.
    var objectKeys: [String] {
        if case .object(let members) = self { return members.keys.sorted() }
        return []
    }
}

extension PluginManifest {
    /// The plugin's config schema, compiled; a plugin without one takes no settings.
    /// - Throws: `CONFIG_SCHEMA_INVALID`.
    public func configSchema() throws -> ConfigSchema {
        try ConfigSchema(config ?? .object(["type": .string("object"), "additionalProperties": .bool(false)]),
                         source: "the config schema of plugin \(id)")
    }

    /// The configuration an instance is created with, by the rules of a tenant's installation:
    /// the schema's defaults filled in, the result validated (a secret field counts as present
    /// when `secrets` has it), and the secret fields put in from `secrets`. One rule for a
    /// tenant and for `market plugin call`, so the test loop behaves as production does.
    /// - Parameters:
    ///   - subject: names the configuration in errors, e.g. `the config of openai`.
    ///   - fix: what a `CONFIG_INVALID` error tells people to do.
    /// - Throws: `CONFIG_INVALID` listing every violation, `CONFIG_SCHEMA_INVALID`.
    public func instanceConfig(_ config: JSONValue, secrets: [String: String], subject: String, fix: String) throws -> JSONValue {
        let schema = try configSchema()
        let valid = try schema.validated(config, assumingPresent: Set(secrets.keys).intersection(schema.secretFields), subject: subject, fix: fix)
        guard case .object(var members) = valid else { return valid }
        for name in schema.secretFields { if let secret = secrets[name] { members[name] = .string(secret) } }
        return .object(members)
    }
}

import Foundation
import MarketCore

/// A plugin as one tenant has it. `config` never holds secret fields; `secretNames` lists
/// which secrets are stored, never their values.
public struct Installation: Sendable, Equatable, Codable {
    public let tenantID: String
    public let pluginID: String
    public let enabled: Bool
    /// The stored configuration: validated, with defaults filled in, without secret fields.
    public let config: JSONValue
    /// The names of the secrets stored for this installation, sorted.
    public let secretNames: [String]
    public let updatedAt: Date
}

/// What the host needs to create a tenant's instance of a plugin. Holds decrypted secrets:
/// for the plugin runtime only, never for responses or logs.
public struct PluginSettings: Sendable {
    public let tenantID: String
    public let pluginID: String
    public let enabled: Bool
    /// The stored configuration with the secret-format fields put back, as the plugin's
    /// schema describes it: what `create(host, config_json)` receives.
    public let instanceConfig: JSONValue
    /// Every stored secret by name (permissions.secrets and secret-format fields), for
    /// `market.secrets/1`.
    public let secrets: [String: String]
}

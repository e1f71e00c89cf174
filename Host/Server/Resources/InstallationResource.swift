import Foundation
import MarketCore
import MarketStore

/// A tenant's plugin as the API shows it: the stored config with every stored secret field
/// shown as `********`, and the names (never the values) of its stored secrets.
struct InstallationResource: Encodable {
    /// What a stored secret field reads as.
    static let mask = "********"

    let plugin: String
    let tenantID: String
    let enabled: Bool
    let config: JSONValue
    let secrets: [String]
    let updatedAt: Date

    /// `secretFields` are the schema's `format: secret` fields; the stored config never holds
    /// them, so only their presence is shown.
    init(_ installation: Installation, secretFields: Set<String>) {
        plugin = installation.pluginID
        tenantID = installation.tenantID
        enabled = installation.enabled
        var config = installation.config
        if case .object(var members) = config {
            for name in installation.secretNames where secretFields.contains(name) { members[name] = .string(Self.mask) }
            config = .object(members)
        }
        self.config = config
        secrets = installation.secretNames
        updatedAt = installation.updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case plugin, enabled, config, secrets
        case tenantID = "tenant_id"
        case updatedAt = "updated_at"
    }
}

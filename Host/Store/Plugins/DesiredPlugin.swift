import Foundation
import MarketCore

/// What the database says one plugin should be on every node: the wanted version and where it
/// comes from, or uninstalled, with the generation that numbers its changes.
public struct DesiredPlugin: Sendable, Equatable {
    /// A wanted version: enough for a node to fetch it, check it and consent to it on its own.
    public struct Target: Sendable, Equatable {
        public var version: String
        /// The range `update` stays in (`^1.0`); nil for any release.
        public var range: String?
        /// The registry: a name the nodes know from `market registry add`, or its location.
        public var registry: String
        /// SHA-256 of each platform's artifact, by the index's platform key.
        public var artifacts: [String: String]
        /// The permissions hash consented to: a node installs only a version that declares it.
        public var permissions: String

        public init(version: String, range: String?, registry: String, artifacts: [String: String], permissions: String) {
            self.version = version
            self.range = range
            self.registry = registry
            self.artifacts = artifacts
            self.permissions = permissions
        }

        var json: JSONValue {
            .object(["version": .string(version), "range": range.map(JSONValue.string) ?? .null, "registry": .string(registry),
                     "artifacts": .object(artifacts.mapValues(JSONValue.string)), "permissions": .string(permissions)])
        }

        init?(json: JSONValue?) {
            guard let json, case .string(let version)? = json["version"], case .string(let registry)? = json["registry"],
                  case .string(let permissions)? = json["permissions"] else { return nil }
            var range: String?
            if case .string(let text)? = json["range"] { range = text }
            self.init(version: version, range: range, registry: registry, artifacts: Self.artifacts(json["artifacts"]), permissions: permissions)
        }

        static func artifacts(_ json: JSONValue?) -> [String: String] {
            guard case .object(let members)? = json else { return [:] }
            return members.compactMapValues { if case .string(let hash) = $0 { hash } else { nil } }
        }
    }

    public let pluginID: String
    /// The wanted version; nil when the plugin is to be uninstalled.
    public let target: Target?
    /// The target before the last change, for `rollback`.
    public let previous: Target?
    /// Counts the changes: 1 for the first; a change names the one it read.
    public let generation: Int64
    /// The audit log's actor of the last change.
    public let changedBy: String
    public let changedAt: Date
}

extension MarketError.Code {
    /// Another change to the plugin's desired state was recorded since this one read it.
    public static let pluginChangeConflict = Self(rawValue: "PLUGIN_CHANGE_CONFLICT")
}

import Foundation
import MarketCore

/// index/<id>.json: every published version of one plugin. Versions are never removed or
/// changed once published, except for `yanked` and its reason.
public struct IndexMetadata: Codable, Sendable, Equatable {
    /// One artifact of a version: the package for one platform.
    public struct Artifact: Codable, Sendable, Equatable {
        public var os: String
        public var arch: String
        public var toolchain: String?
        /// Path in the tree, `artifacts/<file>.mkpkg`.
        public var file: String
        public var sha256: String
        public var size: Int64

        public var platform: Platform { Platform(os: os, arch: arch, toolchain: toolchain) }
    }

    /// One published version.
    public struct Version: Codable, Sendable, Equatable {
        public var version: String
        public var name: String
        public var summary: String
        public var kinds: [String]
        /// The ABI range the plugin accepts, `^1.0`.
        public var abi: String
        /// SHA-256 of the canonical JSON of the manifest's `permissions`; a change needs consent.
        public var permissions: String
        /// The id of the publisher key that signed the packages.
        public var publisher: String
        /// Keyed by `Platform.description`: `linux-x86_64`, `linux-x86_64-swift-6.3.1`.
        public var artifacts: [String: Artifact]
        public var yanked: Bool
        public var yankReason: String?
        /// The plugins this version needs, by id, with version ranges; absent when none.
        public var dependencies: [String: String]?
        /// The permissions themselves, so a client can show them before installing; absent in
        /// indexes written before they were listed. Believed only when they hash to `permissions`.
        public var declaredPermissions: PluginManifest.Permissions? = nil

        enum CodingKeys: String, CodingKey {
            case version, name, summary, kinds, abi, permissions, publisher, artifacts, yanked, dependencies
            case yankReason = "yank_reason"
            case declaredPermissions = "declared_permissions"
        }

        /// The declared permissions when they match the pinned hash; nil when absent or not matching.
        public var verifiedPermissions: PluginManifest.Permissions? {
            guard let declaredPermissions, (try? IndexMetadata.permissionsHash(declaredPermissions)) == permissions else { return nil }
            return declaredPermissions
        }

        /// The dependencies, empty when none.
        public var needs: [String: String] { dependencies ?? [:] }

        /// The artifact for `host`, if one was published.
        public func artifact(for host: Platform) -> Artifact? {
            artifacts.values.sorted { $0.file < $1.file }.first { $0.platform.runs(on: host) }
        }
    }

    public var type = "index"
    public var id: String
    /// Raised on every change (publish, yank), so snapshots can pin it.
    public var version: Int
    /// The publisher keys of this plugin (id → base64 key), pinned at the first publish.
    public var publishers: [String: String]
    public var versions: [Version]

    public init(id: String) {
        self.id = id
        version = 0
        publishers = [:]
        versions = []
    }

    /// The pinned publisher keys by id.
    public func publisherKeys() throws -> [String: PublicKey] {
        var keys: [String: PublicKey] = [:]
        for (id, base64) in publishers {
            let key = try PublicKey(base64: base64)
            guard key.id == id else { throw MarketError(.registryInvalid, "index/\(self.id).json pins key \(id) under the wrong id") }
            keys[id] = key
        }
        return keys
    }

    /// The entry for version `text`, if published.
    public func entry(_ text: String) -> Version? {
        guard let wanted = SemanticVersion(text) else { return nil }
        return versions.first { SemanticVersion($0.version) == wanted }
    }

    /// The SHA-256 of the canonical JSON of `permissions`.
    public static func permissionsHash(_ permissions: PluginManifest.Permissions) throws -> String {
        sha256Hex(try CanonicalJSON.data(encoding: permissions))
    }
}

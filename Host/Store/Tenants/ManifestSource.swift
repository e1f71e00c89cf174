import Foundation
import MarketCore

/// Where the tenant layer finds plugins' manifests (for their config schemas and secret names).
/// The plugin owner's `PluginFolders` (PluginHosting) is the one the host uses.
public protocol ManifestSource: Sendable {
    /// The manifest of `pluginID`, or nil when no such plugin is installed.
    /// - Throws: `MANIFEST_INVALID` when the plugin is there but its manifest is broken.
    func manifest(for pluginID: String) throws -> PluginManifest?
}

/// A fixed set of manifests, for hosts that load them once and for tests.
public struct ManifestList: ManifestSource {
    public let manifests: [String: PluginManifest]

    public init(_ manifests: [PluginManifest]) {
        self.manifests = Dictionary(manifests.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func manifest(for pluginID: String) throws -> PluginManifest? { manifests[pluginID] }
}

import Foundation
import MarketCore

/// Where the tenant layer finds plugins' manifests (for their config schemas and secret names).
public protocol ManifestSource: Sendable {
    /// The manifest of `pluginID`, or nil when no such plugin is installed.
    /// - Throws: `MANIFEST_INVALID` when the plugin is there but its manifest is broken.
    func manifest(for pluginID: String) throws -> PluginManifest?
}

/// Manifests read from plugin folders: the installed plugins
/// (`<state-dir>/plugins/<id>/current/plugin.json`, as `market install` leaves them) and, for
/// development, folders of plugin folders (`<dir>/<id>/plugin.json`, e.g.
/// `.build/market-plugins`). Earlier folders win. Read on each call, so an install or update
/// takes effect at once.
public struct PluginFolders: ManifestSource {
    /// Folders holding one folder per plugin.
    public let folders: [URL]
    /// The state directory's installed plugins.
    public let installed: URL?

    public init(stateDirectory: URL?, developmentFolders: [URL] = []) {
        installed = stateDirectory?.appendingPathComponent("plugins")
        folders = developmentFolders
    }

    public func manifest(for pluginID: String) throws -> PluginManifest? {
        guard PluginManifest.isIdentifier(pluginID) else { return nil }
        var candidates: [URL] = []
        if let installed { candidates.append(installed.appendingPathComponent("\(pluginID)/current/\(PluginManifest.fileName)")) }
        candidates += folders.map { $0.appendingPathComponent("\(pluginID)/\(PluginManifest.fileName)") }
        for file in candidates where FileManager.default.fileExists(atPath: file.path) {
            let manifest = try PluginManifest.load(from: file)
            guard manifest.id == pluginID else {
                throw MarketError(.manifestInvalid, "\(file.path) declares id '\(manifest.id)', not '\(pluginID)'",
                                  fix: "name the plugin's folder after its id")
            }
            return manifest
        }
        return nil
    }
}

/// A fixed set of manifests, for hosts that load them once and for tests.
public struct ManifestList: ManifestSource {
    public let manifests: [String: PluginManifest]

    public init(_ manifests: [PluginManifest]) {
        self.manifests = Dictionary(manifests.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func manifest(for pluginID: String) throws -> PluginManifest? { manifests[pluginID] }
}

import Foundation
import MarketCore

/// A plugin on disk: a folder with plugin.json and the library it names.
public struct PluginBundle: Sendable {
    public let directory: URL
    public let manifest: PluginManifest

    /// Reads the manifest of the plugin in `directory` (or of the plugin.json at that path).
    /// Runs none of the plugin's code.
    public init(at url: URL) throws {
        let directory = url.lastPathComponent == PluginManifest.fileName ? url.deletingLastPathComponent() : url
        self.directory = directory.standardizedFileURL
        self.manifest = try PluginManifest.load(from: self.directory)
    }

    public var libraryURL: URL { directory.appendingPathComponent(manifest.library) }

    /// Every plugin folder directly inside `root`, each read on its own: a broken manifest is
    /// reported for its folder and does not hide the others.
    public static func discover(in root: URL) -> [Result<PluginBundle, MarketError>] {
        let entries = (try? FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: nil)) ?? []
        return entries
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent(PluginManifest.fileName).path) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
            .map { folder in
                MarketError.catching(.manifestInvalid, "cannot read \(folder.path)") { try PluginBundle(at: folder) }
            }
    }
}

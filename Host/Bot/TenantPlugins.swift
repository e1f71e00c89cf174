import Foundation
import Logging
import MarketCore
import MarketStore
import PluginRuntime

/// Where plugin folders are found: installed ones (`<state-dir>/plugins/<id>/current`, as
/// `market install` leaves them) first, then folders of plugin folders (`<dir>/<id>`).
public struct PluginDirectories: Sendable {
    public let stateDirectory: URL?
    public let folders: [URL]

    public init(stateDirectory: URL?, folders: [URL] = []) {
        self.stateDirectory = stateDirectory
        self.folders = folders
    }

    /// The folder holding `pluginID`'s plugin.json, if any.
    public func folder(of pluginID: String) -> URL? {
        guard PluginManifest.isIdentifier(pluginID) else { return nil }
        var candidates: [URL] = []
        if let stateDirectory { candidates.append(stateDirectory.appendingPathComponent("plugins/\(pluginID)/current")) }
        candidates += folders.map { $0.appendingPathComponent(pluginID) }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent(PluginManifest.fileName).path) }
    }
}

import Foundation
import MarketCore
#if canImport(Glibc)
import Glibc
#endif
import MarketStore

/// Where plugin folders are: the one resolver of a plugin id to its folder.
///
/// The precedence rule (docs/decisions.md, "One owner of plugin identity"): the development
/// folders named for this run (`--plugins DIR`, `DIR/<id>/plugin.json`) win, in the order given,
/// over the installed plugin (`<state-dir>/plugins/<id>/current`, as `market install` leaves it).
/// An explicit folder for this run beats ambient state, so a developer always runs what they
/// built. Resolved on every call (a few `stat`s), so an install or update is seen at once.
public struct PluginFolders: ManifestSource {
    /// Folders holding one folder per plugin, searched first, in order.
    public let developmentFolders: [URL]
    /// The state directory's installed plugins (`<state-dir>/plugins`), searched last.
    public let installed: URL?

    public init(stateDirectory: URL?, developmentFolders: [URL] = []) {
        installed = stateDirectory?.appendingPathComponent("plugins", isDirectory: true)
        self.developmentFolders = developmentFolders
    }

    /// The folder holding `pluginID`'s plugin.json by the precedence rule, with symlinks
    /// resolved (an installed plugin's is its version folder); nil when there is none or the id
    /// is not an identifier. Asked on every plugin call, so it costs two system calls a
    /// candidate folder and nothing of Foundation's path handling.
    public func folder(of pluginID: String) -> URL? {
        guard PluginManifest.isIdentifier(pluginID) else { return nil }
        for root in developmentFolders {
            if let found = Self.resolved(root.path + "/" + pluginID) { return found }
        }
        return installed.flatMap { Self.resolved($0.path + "/" + pluginID + "/current") }
    }

    /// `folder` with every symlink in its path resolved, when it holds a plugin.json.
    private static func resolved(_ folder: String) -> URL? {
        guard access(folder + "/" + PluginManifest.fileName, F_OK) == 0, let real = realpath(folder, nil) else { return nil }
        defer { free(real) }
        return URL(fileURLWithPath: String(cString: real), isDirectory: true)
    }

    /// Whether `pluginID` resolves to a development folder while also being installed (the
    /// development one serves; worth a notice).
    public func shadowsInstalled(_ pluginID: String) -> Bool {
        guard let installed, let folder = folder(of: pluginID),
              let installedFolder = Self.resolved(installed.path + "/" + pluginID + "/current") else { return false }
        return folder.path != installedFolder.path
    }

    /// Every plugin id with a folder here (development or installed), sorted.
    public func pluginIDs() -> [String] {
        plugins().map(\.id)
    }

    /// Every plugin id with a folder here, with the folder `folder(of:)` resolves it to, sorted
    /// by id: for a caller that goes on to read the folders, which need not be resolved twice.
    public func plugins() -> [(id: String, folder: URL)] {
        // Every name in the searched folders, kept when the one rule finds a plugin.json for it.
        let roots = developmentFolders + (installed.map { [$0] } ?? [])
        let names = Set(roots.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: $0.path)) ?? [] })
        return names.sorted().compactMap { name in folder(of: name).map { (name, $0) } }
    }

    /// `ManifestSource`: the manifest of the folder `folder(of:)` resolves.
    /// - Throws: `MANIFEST_INVALID` when the manifest is broken or declares another id.
    public func manifest(for pluginID: String) throws -> PluginManifest? {
        guard let folder = folder(of: pluginID) else { return nil }
        let file = folder.appendingPathComponent(PluginManifest.fileName)
        let manifest = try PluginManifest.load(from: file)
        try Self.requireID(pluginID, declaredBy: manifest, at: file.path)
        return manifest
    }

    /// - Throws: `MANIFEST_INVALID` when the manifest at `path`, found under `pluginID`'s
    ///   name, declares another id.
    static func requireID(_ pluginID: String, declaredBy manifest: PluginManifest, at path: String) throws {
        guard manifest.id == pluginID else {
            throw MarketError(.manifestInvalid, "\(path) declares id '\(manifest.id)', not '\(pluginID)'",
                              fix: "name the plugin's folder after its id")
        }
    }
}

import Foundation
import MarketCore

extension RegistryWriter {
    /// What `build` did with one plugin folder.
    public enum BuildOutcome: Sendable, Equatable {
        case published(id: String, version: String)
        /// The version was already in the registry for this platform; nothing changed.
        case alreadyPublished(id: String, version: String)
    }

    /// Packs every plugin folder under `plugins` (each holding a plugin.json) with the
    /// registry's key as publisher key and publishes it. Re-running it publishes only new
    /// versions, so it can follow every build. `probe` is as for `publish`.
    public func build(plugins: URL, probe: Probe? = nil) throws -> [BuildOutcome] {
        let folders: [URL]
        do {
            // Resolved first: listing a symlinked folder would otherwise list nothing.
            folders = try FileManager.default.contentsOfDirectory(at: plugins.resolvingSymlinksInPath(), includingPropertiesForKeys: nil)
                .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent(PluginManifest.fileName).path) }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        } catch {
            throw MarketError(.ioFailed, "cannot list \(plugins.path)", fix: "build the plugins first (scripts/build-plugins.sh)", underlying: error)
        }
        guard !folders.isEmpty else {
            throw MarketError(.notFound, "\(plugins.path) holds no plugin folders", fix: "build the plugins first (scripts/build-plugins.sh)")
        }
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("market-build-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        return try folders.map { folder in
            let package = try PackageWriter.pack(folder, signedWith: key, into: staging)
            do {
                try publish(package.url, probe: probe)
                return .published(id: package.manifest.id, version: package.manifest.version)
            } catch let error as MarketError where error.code == .versionExists {
                return .alreadyPublished(id: package.manifest.id, version: package.manifest.version)
            }
        }
    }
}

import Foundation
import MarketCore

/// Installs plugins from a registry as a transaction: resolve, download, verify, extract
/// safely, probe-load in a child process, then switch atomically and write market.lock.
///
/// Layout under `folder`: `plugins/<id>/<version>/` (the extracted package),
/// `plugins/<id>/current` (a symlink to the active version) and `market.lock`. Until the
/// switch, everything happens in a staging folder; any failure removes it, so the installed
/// tree and the lock stay exactly as they were.
public struct Installer: Sendable {
    /// Loads an extracted plugin folder somewhere a crash cannot hurt the installer (a child
    /// process), throwing if it does not load.
    public typealias Probe = @Sendable (URL) async throws -> Void

    /// What `install` did.
    public enum Outcome: Sendable, Equatable {
        case installed(id: String, version: String)
        case alreadyInstalled(id: String, version: String)
    }

    public let folder: URL
    public let probe: Probe

    public init(folder: URL, probe: @escaping Probe) {
        self.folder = folder
        self.probe = probe
    }

    var pluginsFolder: URL { folder.appendingPathComponent("plugins") }

    /// Installs the best version of `id` in `range` from the registry `client` reads.
    /// `consent` allows a change of permissions from the locked version.
    public func install(_ id: String, range: VersionRange?, from client: RegistryClient, source: String, consent: Bool = false) async throws -> Outcome {
        let verified = try await client.update()
        let index = try await client.index(id, verified)
        let (version, artifact) = try VersionChoice.choose(from: index, range: range, host: .current, hostABI: VersionChoice.hostABI)
        let lock = try LockFile.read(in: folder)
        if let locked = lock.plugins[id] {
            if locked.version == version.version, FileManager.default.fileExists(atPath: pluginsFolder.appendingPathComponent("\(id)/\(version.version)").path) {
                return .alreadyInstalled(id: id, version: version.version)
            }
            guard locked.permissions == version.permissions || consent else {
                throw MarketError(.permissionsChanged, "\(id) \(version.version) asks for other permissions than the installed \(locked.version)",
                                  fix: "review them with `market info \(id)` and install again with --yes to consent")
            }
        }
        guard let publisherKey = try index.publisherKeys()[version.publisher] else {
            throw MarketError(.keyUntrusted, "the index names publisher \(version.publisher) for \(id) \(version.version) but does not pin its key",
                              fix: "the registry is misconfigured; tell its operator")
        }

        let staging = pluginsFolder.appendingPathComponent(".staging-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        try makeFolder(staging)
        let package = staging.appendingPathComponent("package.mkpkg")
        try await client.download(artifact, to: package)
        let extracted = staging.appendingPathComponent("plugin")
        let opened = try await BlockingWork.run { try PackageVerifier.open(package, into: extracted, publishers: [publisherKey.id: publisherKey]) }
        try check(opened, against: version, id: id)
        try await probe(extracted)

        let entry = LockFile.Entry(version: version.version, registry: source, publisher: version.publisher, permissions: version.permissions,
                                   artifacts: version.artifacts.mapValues { LockFile.Pin(sha256: $0.sha256, size: $0.size) })
        try await BlockingWork.run { [folder] in
            try RegistryLock.withLock(folder) { try switchIn(extracted, id: id, version: version.version, entry: entry) }
        }
        return .installed(id: id, version: version.version)
    }

    /// The package must be the one the index describes: same id, version, permissions, and a
    /// platform this host runs.
    private func check(_ package: VerifiedPackage, against version: IndexMetadata.Version, id: String) throws {
        guard package.manifest.id == id, package.manifest.version == version.version,
              try IndexMetadata.permissionsHash(package.manifest.permissions) == version.permissions else {
            throw MarketError(.hashMismatch, "the package of \(id) \(version.version) does not match its index entry (id, version or permissions)",
                              fix: "the registry is inconsistent; tell its operator")
        }
        guard package.platform.runs(on: .current) else {
            throw MarketError(.noPlatform, "the package of \(id) \(version.version) is built for \(package.platform), not \(Platform.current)",
                              fix: "the registry lists it under the wrong platform; tell its operator")
        }
    }

    /// Moves the verified folder into place, points `current` at it with one rename, and
    /// writes the lock; if the lock cannot be written, the switch is undone.
    private func switchIn(_ extracted: URL, id: String, version: String, entry: LockFile.Entry) throws {
        let pluginFolder = pluginsFolder.appendingPathComponent(id)
        let versionFolder = pluginFolder.appendingPathComponent(version)
        let current = pluginFolder.appendingPathComponent("current")
        try makeFolder(pluginFolder)
        let replaced = pluginFolder.appendingPathComponent(".replaced-\(UUID().uuidString)")
        let hadVersion = FileManager.default.fileExists(atPath: versionFolder.path)
        let previousTarget = try? FileManager.default.destinationOfSymbolicLink(atPath: current.path)
        do {
            if hadVersion { try FileManager.default.moveItem(at: versionFolder, to: replaced) }
            try FileManager.default.moveItem(at: extracted, to: versionFolder)
            try pointCurrent(at: version, in: pluginFolder)
            var lock = try LockFile.read(in: folder)
            lock.plugins[id] = entry
            try lock.write(in: folder)
            try? FileManager.default.removeItem(at: replaced)
        } catch {
            if let previousTarget { try? pointCurrent(at: previousTarget, in: pluginFolder) } else { try? FileManager.default.removeItem(at: current) }
            try? FileManager.default.removeItem(at: versionFolder)
            if hadVersion { try? FileManager.default.moveItem(at: replaced, to: versionFolder) }
            if let error = error as? MarketError { throw error }
            throw MarketError(.ioFailed, "cannot switch \(id) to \(version)", underlying: error)
        }
    }

    /// Replaces the `current` symlink in one `rename(2)`, so readers never see it missing.
    private func pointCurrent(at target: String, in pluginFolder: URL) throws {
        let temporary = pluginFolder.appendingPathComponent(".current-\(UUID().uuidString)")
        try FileManager.default.createSymbolicLink(atPath: temporary.path, withDestinationPath: target)
        guard rename(temporary.path, pluginFolder.appendingPathComponent("current").path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw MarketError(.ioFailed, "cannot switch \(pluginFolder.lastPathComponent)/current: \(reason)")
        }
    }

    private func makeFolder(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw MarketError(.ioFailed, "cannot create \(url.path)", underlying: error)
        }
    }
}

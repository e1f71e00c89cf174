import Foundation
import MarketCore

extension Installer {
    /// Moves every staged folder into place, points each `current` at it with one rename,
    /// and writes the lock once; if anything fails, every switch made is undone. Runs under
    /// the state folder's lock.
    func switchIn(_ staged: [Staged]) throws {
        var undo: [() -> Void] = []
        do {
            for item in staged { undo.append(try place(item)) }
            var lock = try LockFile.read(in: folder)
            for item in staged {
                let step = item.step
                let previous = step.replacing.flatMap { $0.version == step.version ? $0.previous : $0 }
                lock.plugins[step.id] = LockFile.Entry(
                    version: step.version, registry: step.source, publisher: item.publisher,
                    permissions: try IndexMetadata.permissionsHash(item.manifest.permissions), artifacts: item.artifacts,
                    checksums: item.checksums, range: step.range, requested: step.requested, dependencies: item.manifest.dependencies,
                    previous: previous)
            }
            try lock.write(in: folder)
            for item in staged { removeOldVersions(of: item.step.id, keeping: [lock.plugins[item.step.id]?.version, lock.plugins[item.step.id]?.previous?.version]) }
        } catch {
            for action in undo.reversed() { action() }
            if let error = error as? MarketError { throw error }
            throw MarketError(.ioFailed, "cannot switch the plugins in", underlying: error)
        }
    }

    /// Moves one staged folder to `plugins/<id>/<version>` and points `current` at it;
    /// returns how to undo that.
    private func place(_ item: Staged) throws -> () -> Void {
        let id = item.step.id, version = item.step.version
        let pluginFolder = pluginsFolder.appendingPathComponent(id)
        let versionFolder = pluginFolder.appendingPathComponent(version)
        let current = pluginFolder.appendingPathComponent("current")
        let hadFolder = FileManager.default.fileExists(atPath: pluginFolder.path)
        try makeFolder(pluginFolder)
        let replaced = pluginFolder.appendingPathComponent(".replaced-\(UUID().uuidString)")
        let hadVersion = FileManager.default.fileExists(atPath: versionFolder.path)
        let previousTarget = try? FileManager.default.destinationOfSymbolicLink(atPath: current.path)
        let undo = {
            if let previousTarget { try? pointCurrent(at: previousTarget, in: pluginFolder) } else { try? FileManager.default.removeItem(at: current) }
            try? FileManager.default.removeItem(at: versionFolder)
            if hadVersion { try? FileManager.default.moveItem(at: replaced, to: versionFolder) }
            if !hadFolder { try? FileManager.default.removeItem(at: pluginFolder) }
        }
        do {
            if hadVersion { try FileManager.default.moveItem(at: versionFolder, to: replaced) }
            try FileManager.default.moveItem(at: item.folder, to: versionFolder)
            try pointCurrent(at: version, in: pluginFolder)
        } catch {
            undo()
            throw error
        }
        return undo
    }

    /// Removes the version folders of `id` other than `keeping` (and leftovers of earlier
    /// switches); failures only leave disk space used.
    func removeOldVersions(of id: String, keeping: [String?]) {
        let pluginFolder = pluginsFolder.appendingPathComponent(id)
        let kept = Set(keeping.compactMap { $0 } + ["current"])
        for name in (try? FileManager.default.contentsOfDirectory(atPath: pluginFolder.path)) ?? [] where !kept.contains(name) {
            try? FileManager.default.removeItem(at: pluginFolder.appendingPathComponent(name))
        }
    }

    /// Replaces the `current` symlink in one `rename(2)`, so readers never see it missing.
    func pointCurrent(at target: String, in pluginFolder: URL) throws {
        let temporary = pluginFolder.appendingPathComponent(".current-\(UUID().uuidString)")
        try FileManager.default.createSymbolicLink(atPath: temporary.path, withDestinationPath: target)
        guard rename(temporary.path, pluginFolder.appendingPathComponent("current").path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw MarketError(.ioFailed, "cannot switch \(pluginFolder.lastPathComponent)/current: \(reason)")
        }
    }
}

import Foundation
import MarketCore

extension MarketError.Code {
    /// The plugin named is not in market.lock.
    public static let notInstalled = Self(rawValue: "NOT_INSTALLED")
    /// An installed file differs from what market.lock pins, or is missing.
    public static let installDamaged = Self(rawValue: "INSTALL_DAMAGED")
}

extension Installer {
    /// Removes `id`: its folder (every version kept) and its lock entry, in that order undone
    /// if the lock cannot be written. Refuses (`DEPENDENCY_NEEDED`) while another installed
    /// plugin needs it. Returns the entry removed.
    @discardableResult
    public func uninstall(_ id: String) throws -> LockFile.Entry {
        _ = try Self.entry(id, in: LockFile.read(in: folder))
        return try RegistryLock.withLock(folder) {
            var lock = try LockFile.read(in: folder)
            let entry = try Self.entry(id, in: lock)
            let dependents = lock.dependents(of: id)
            guard dependents.isEmpty else {
                let named = dependents.map { "\($0) \(lock.plugins[$0]?.version ?? "")" }.joined(separator: ", ")
                throw MarketError(.dependencyNeeded, "\(id) is needed by \(named)", fix: "uninstall \(dependents.joined(separator: " and ")) first")
            }
            let pluginFolder = pluginsFolder.appendingPathComponent(id)
            let removed = pluginsFolder.appendingPathComponent(".removed-\(UUID().uuidString)")
            let hadFolder = FileManager.default.fileExists(atPath: pluginFolder.path)
            if hadFolder { try move(pluginFolder, to: removed) }
            lock.plugins[id] = nil
            do {
                try lock.write(in: folder)
            } catch {
                if hadFolder { try? FileManager.default.moveItem(at: removed, to: pluginFolder) }
                throw error
            }
            try? FileManager.default.removeItem(at: removed)
            return entry
        }
    }

    /// Switches `id` back to the version installed before the current one, which an update
    /// keeps on disk; the current one becomes the version to roll back to. Checks the kept
    /// files against the lock first, and that the installed plugins' dependencies still hold.
    /// Returns the entry now current.
    @discardableResult
    public func rollback(_ id: String) throws -> LockFile.Entry {
        _ = try Self.entry(id, in: LockFile.read(in: folder))
        return try RegistryLock.withLock(folder) {
            var lock = try LockFile.read(in: folder)
            let entry = try Self.entry(id, in: lock)
            guard var previous = entry.previous else {
                throw MarketError(.notFound, "no earlier version of \(id) is kept to roll back to", fix: "install the version you want: market install \(id)@VERSION")
            }
            if let problem = check(id, version: previous.version, checksums: previous.checksums) {
                throw MarketError(.installDamaged, "the kept \(id) \(previous.version) is damaged: \(problem)", fix: "install it again: market install \(id)@\(previous.version)")
            }
            var reasons: [String] = []
            for (dependency, text) in previous.dependencies.sorted(by: { $0.key < $1.key }) {
                let installed = lock.plugins[dependency].flatMap { SemanticVersion($0.version) }
                if installed.map({ (try? VersionRange(text).contains($0)) != true }) ?? true {
                    reasons.append("\(id) \(previous.version) needs \(dependency) \(text), but \(lock.plugins[dependency].map { "\(dependency) \($0.version) is installed" } ?? "it is not installed")")
                }
            }
            if let version = SemanticVersion(previous.version) {
                for dependent in lock.dependents(of: id) {
                    guard let text = lock.plugins[dependent]?.dependencies[id], (try? VersionRange(text).contains(version)) != true else { continue }
                    reasons.append("the installed \(dependent) needs \(id) \(text)")
                }
            }
            guard reasons.isEmpty else {
                throw MarketError(.dependencyNeeded, "cannot roll \(id) back to \(previous.version): " + reasons.map { "because \($0)" }.joined(separator: "; and "),
                                  fix: "roll back or uninstall the plugins named first")
            }
            let pluginFolder = pluginsFolder.appendingPathComponent(id)
            try pointCurrent(at: previous.version, in: pluginFolder)
            previous.previous = entry
            lock.plugins[id] = previous
            do {
                try lock.write(in: folder)
            } catch {
                try? pointCurrent(at: entry.version, in: pluginFolder)
                throw error
            }
            return previous
        }
    }

    /// Re-checks every installed plugin against market.lock: `current` points at the locked
    /// version, its CHECKSUMS is the one locked, and every file matches CHECKSUMS with none
    /// missing or added. Returns one line per plugin: nil when sound, else the problem.
    public func verify() throws -> [(id: String, version: String, problem: String?)] {
        let lock = try LockFile.read(in: folder)
        return lock.plugins.sorted { $0.key < $1.key }.map { id, entry in
            let current = try? FileManager.default.destinationOfSymbolicLink(atPath: pluginsFolder.appendingPathComponent("\(id)/current").path)
            guard current == entry.version else {
                return (id, entry.version, "plugins/\(id)/current points at \(current ?? "nothing"), but the lock says \(entry.version)")
            }
            return (id, entry.version, check(id, version: entry.version, checksums: entry.checksums))
        }
    }

    /// What is wrong with `plugins/<id>/<version>` against the CHECKSUMS hash `checksums`.
    func check(_ id: String, version: String, checksums: String) -> String? {
        let versionFolder = pluginsFolder.appendingPathComponent("\(id)/\(version)")
        guard let data = try? Data(contentsOf: versionFolder.appendingPathComponent(Checksums.fileName)) else {
            return "plugins/\(id)/\(version)/CHECKSUMS is missing"
        }
        guard sha256Hex(data) == checksums else { return "plugins/\(id)/\(version)/CHECKSUMS is not the one the lock pins" }
        var files: [String] = []
        let enumerator = FileManager.default.enumerator(at: versionFolder, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey])
        while let url = enumerator?.nextObject() as? URL {
            let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
            let relative = String(url.standardizedFileURL.path.dropFirst(versionFolder.standardizedFileURL.path.count + 1))
            if values?.isSymbolicLink == true { return "plugins/\(id)/\(version)/\(relative) is a symbolic link" }
            if values?.isRegularFile == true { files.append(relative) }
        }
        do {
            try Checksums(parsing: data).verify(folder: versionFolder, files: files)
            return nil
        } catch let error as MarketError {
            return error.message.replacingOccurrences(of: "the package", with: "plugins/\(id)/\(version)")
        } catch {
            return "\(error)"
        }
    }

    static func entry(_ id: String, in lock: LockFile) throws -> LockFile.Entry {
        try RegistryLayout.checkPluginID(id)
        guard let entry = lock.plugins[id] else {
            throw MarketError(.notInstalled, "\(id) is not installed", fix: "see what is with `market list`")
        }
        return entry
    }

    private func move(_ source: URL, to destination: URL) throws {
        do {
            try FileManager.default.moveItem(at: source, to: destination)
        } catch {
            throw MarketError(.ioFailed, "cannot move \(source.path)", underlying: error)
        }
    }
}

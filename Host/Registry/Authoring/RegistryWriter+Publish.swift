import Foundation
import MarketCore

extension RegistryWriter {
    /// Adds the package at `url` to the registry: verifies it (safe extraction, CHECKSUMS and
    /// the publisher's signature), copies it to artifacts/, adds it to index/<id>.json and the
    /// catalog, and re-signs the snapshot and timestamp.
    ///
    /// The first publish of a plugin pins the publisher key its package carries; later
    /// versions must be signed by a pinned key (`KEY_UNTRUSTED` otherwise). A version that
    /// already has an artifact for the package's platform is `VERSION_EXISTS`. With `probe`,
    /// a package built for this host is loaded from its extracted folder before anything is
    /// written, so a library that cannot load never burns its version number.
    @discardableResult
    public func publish(_ url: URL, probe: Probe? = nil) throws -> IndexMetadata.Version {
        try RegistryLock.withLock(folder) { try publishLocked(url, probe: probe) }
    }

    /// Loads an extracted plugin folder, throwing when it cannot (`PROBE_FAILED`).
    public typealias Probe = @Sendable (URL) throws -> Void

    private func publishLocked(_ url: URL, probe: Probe?) throws -> IndexMetadata.Version {
        try checkOnlineKey()
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("market-publish-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        // Verify and publish one copy of the bytes, so a file changed meanwhile cannot slip in.
        let archive = try readFile(url)
        let copy = staging.appendingPathComponent("package.mkpkg")
        try AtomicFile.write(archive, to: copy)
        // Nothing is extracted before the signature and checksums verify: the survey reads the
        // signed files and hashes the rest without writing them.
        let survey = try PackageExtractor.survey(copy)
        let signature = try survey.signature()
        let manifest = try survey.manifest()
        let indexPath = try RegistryLayout.index(manifest.id)
        var index: IndexMetadata = FileManager.default.fileExists(atPath: folder.appendingPathComponent(indexPath).path)
            ? try read(indexPath, role: .index) : IndexMetadata(id: manifest.id)
        let pinned = try index.publisherKeys()
        let publishers = pinned.isEmpty ? [signature.keyid: try signature.publicKey] : pinned
        let package = try PackageVerifier.open(copy, into: staging.appendingPathComponent("package"), publishers: publishers)

        let platform = package.platform
        let fileName = BuiltPackage.fileName(id: manifest.id, version: manifest.version, platform: platform)
        let artifact = IndexMetadata.Artifact(os: platform.os, arch: platform.arch, toolchain: platform.toolchain,
                                              file: try RegistryLayout.artifact(fileName), sha256: sha256Hex(archive), size: Int64(archive.count))
        let permissions = try IndexMetadata.permissionsHash(manifest.permissions)
        var entry: IndexMetadata.Version
        if let position = index.versions.firstIndex(where: { SemanticVersion($0.version) == SemanticVersion(manifest.version) }) {
            entry = index.versions[position]
            guard entry.artifacts[platform.description] == nil, entry.permissions == permissions, entry.publisher == package.publisherKey.id,
                  entry.needs == manifest.dependencies else {
                throw MarketError(.versionExists, "\(manifest.id) \(manifest.version) is already published",
                                  fix: "raise the version in plugin.json; published versions never change")
            }
            entry.artifacts[platform.description] = artifact
            index.versions[position] = entry
        } else {
            entry = IndexMetadata.Version(version: manifest.version, name: manifest.name, summary: manifest.summary, kinds: manifest.kinds.map(\.rawValue),
                                          abi: manifest.abi, permissions: permissions, publisher: package.publisherKey.id,
                                          artifacts: [platform.description: artifact], yanked: false, yankReason: nil,
                                          dependencies: manifest.dependencies.isEmpty ? nil : manifest.dependencies,
                                          declaredPermissions: manifest.permissions)
            index.versions.append(entry)
            index.versions.sort { (SemanticVersion($0.version) ?? SemanticVersion(0, 0, 0)) < (SemanticVersion($1.version) ?? SemanticVersion(0, 0, 0)) }
        }
        // Only a library built for this host can be loaded here; others are probed where they install.
        if let probe, platform.runs(on: .current) { try probe(package.folder) }
        index.publishers[package.publisherKey.id] = package.publisherKey.base64
        index.version += 1
        try AtomicFile.write(archive, to: folder.appendingPathComponent(artifact.file))
        try write(index, to: indexPath)
        try updateCatalog(with: index)
        try resign(changed: [indexPath, RegistryLayout.catalog])
        return entry
    }

    /// Marks `id`@`version` as yanked with `reason`: clients skip it unless they locked it.
    public func yank(id: String, version: String, reason: String) throws {
        try RegistryLock.withLock(folder) { try yankLocked(id: id, version: version, reason: reason) }
    }

    private func yankLocked(id: String, version: String, reason: String) throws {
        try checkOnlineKey()
        let indexPath = try RegistryLayout.index(id)
        var index: IndexMetadata = try read(indexPath, role: .index)
        guard let wanted = SemanticVersion(version), let position = index.versions.firstIndex(where: { SemanticVersion($0.version) == wanted }) else {
            throw MarketError(.notFound, "\(id) has no version \(version) in this registry", fix: "check the version with `market info \(id)`")
        }
        index.versions[position].yanked = true
        index.versions[position].yankReason = reason
        index.version += 1
        try write(index, to: indexPath)
        try updateCatalog(with: index)
        try resign(changed: [indexPath, RegistryLayout.catalog])
    }

    /// Replaces `index`'s line in the catalog; a plugin with every version yanked leaves it.
    private func updateCatalog(with index: IndexMetadata) throws {
        var catalog: CatalogMetadata = try read(RegistryLayout.catalog, role: .snapshot)
        catalog.plugins.removeAll { $0.id == index.id }
        let available = index.versions.filter { !$0.yanked }.max { (SemanticVersion($0.version) ?? SemanticVersion(0, 0, 0)) < (SemanticVersion($1.version) ?? SemanticVersion(0, 0, 0)) }
        if let latest = available {
            catalog.plugins.append(CatalogMetadata.Entry(id: index.id, name: latest.name, summary: latest.summary, latest: latest.version, kinds: latest.kinds))
            catalog.plugins.sort { $0.id < $1.id }
        }
        catalog.version += 1
        try write(catalog, to: RegistryLayout.catalog)
    }
}

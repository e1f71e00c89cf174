import Foundation
import MarketCore

extension RegistryClient {
    /// The catalog the snapshot pins.
    public func catalog(_ verified: Verified) async throws -> CatalogMetadata {
        let data = try await fetchPinned(RegistryLayout.catalog, snapshot: verified.snapshot, cap: Self.maximumCatalogBytes)
        var catalog: CatalogMetadata = try verify(data, as: .snapshot, type: "catalog", root: verified.root, what: RegistryLayout.catalog)
        await cache?.store(data, at: RegistryLayout.catalog)
        for position in catalog.plugins.indices {
            catalog.plugins[position].name = TextCap.apply(catalog.plugins[position].name, PluginManifest.Limits.shortText)
            catalog.plugins[position].summary = TextCap.apply(catalog.plugins[position].summary, PluginManifest.Limits.summary)
        }
        return catalog
    }

    /// Caps on the files a snapshot pins beyond their pinned size: a registry cannot make a
    /// client read more than these, whatever it signs.
    static let maximumCatalogBytes: Int64 = 16 << 20
    static let maximumIndexBytes: Int64 = 4 << 20

    /// The index of plugin `id`; `PLUGIN_ID_INVALID` unless `id` is a plugin id, `NOT_FOUND`
    /// when the snapshot lists no such plugin, `REGISTRY_INVALID` when the index names a
    /// dependency that is not a plugin id or an artifact outside `artifacts/`.
    public func index(_ id: String, _ verified: Verified) async throws -> IndexMetadata {
        let path = try RegistryLayout.index(id)
        guard verified.snapshot.meta[path] != nil else {
            throw MarketError(.notFound, "the registry has no plugin '\(id)'", fix: "search for it with `market search`")
        }
        let data = try await fetchPinned(path, snapshot: verified.snapshot, cap: Self.maximumIndexBytes)
        var index: IndexMetadata = try verify(data, as: .index, type: "index", root: verified.root, what: path)
        guard index.id == id else {
            throw MarketError(.registryInvalid, "\(path) describes '\(TerminalText.escape(index.id))'", fix: "the registry is misconfigured; tell its operator")
        }
        for entry in index.versions {
            for dependency in entry.needs.keys.sorted() where !PluginManifest.isIdentifier(dependency) {
                throw MarketError(.registryInvalid, "\(path): version \(TerminalText.escape(entry.version)) depends on '\(TerminalText.escape(dependency))', which is not a plugin id",
                                  fix: "the registry is misconfigured or hostile; do not use it, and tell its operator")
            }
            for artifact in entry.artifacts.values { try Self.checkArtifactPath(artifact.file) }
        }
        await cache?.store(data, at: path)
        for position in index.versions.indices {
            index.versions[position].name = TextCap.apply(index.versions[position].name, PluginManifest.Limits.shortText)
            index.versions[position].summary = TextCap.apply(index.versions[position].summary, PluginManifest.Limits.summary)
        }
        return index
    }

    /// Downloads `artifact`, checking its size and SHA-256 against the index before writing
    /// it to `destination`; `progress` hears of the bytes as they arrive.
    public func download(_ artifact: IndexMetadata.Artifact, to destination: URL, progress: (@Sendable (Int64) -> Void)? = nil) async throws {
        try Self.checkArtifactPath(artifact.file)
        let data = try await transport.fetch(artifact.file, maximumBytes: artifact.size, progress: progress)
        guard Int64(data.count) == artifact.size, sha256Hex(data) == artifact.sha256 else {
            throw MarketError(.hashMismatch, "\(artifact.file) is not the file the index pins (size or SHA-256 differ)",
                              fix: "a mirror or cache served an altered file; try again later or use another mirror")
        }
        try await BlockingWork.run { try AtomicFile.write(data, to: destination) }
        await cache?.store(data, at: artifact.file)
    }

    /// Throws `REGISTRY_INVALID` unless `file` is `artifacts/<plain file name>`.
    static func checkArtifactPath(_ file: String) throws {
        guard file.hasPrefix("artifacts/"), RegistryLayout.isCacheable(file) else {
            throw MarketError(.registryInvalid, "the index names an artifact outside artifacts/: '\(TerminalText.escape(file))'",
                              fix: "the registry is misconfigured or hostile; do not use it, and tell its operator")
        }
    }

    /// Fetches a file the snapshot pins and checks its size (also against `cap`), hash and version.
    private func fetchPinned(_ path: String, snapshot: SnapshotMetadata, cap: Int64) async throws -> Data {
        guard let pinned = snapshot.meta[path] else {
            throw MarketError(.registryInvalid, "snapshot.json does not pin \(path)", fix: "the registry is misconfigured; tell its operator")
        }
        guard pinned.size <= cap else {
            throw MarketError(.registryInvalid, "snapshot.json pins \(path) at \(pinned.size) bytes, over the client's cap of \(cap)",
                              fix: "the registry publishes oversized metadata; tell its operator")
        }
        let data = try await transport.fetch(path, maximumBytes: pinned.size)
        try pinned.check(data, what: path)
        return data
    }
}

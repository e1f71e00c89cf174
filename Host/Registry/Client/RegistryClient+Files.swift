import Foundation
import MarketCore

extension RegistryClient {
    /// The catalog the snapshot pins.
    public func catalog(_ verified: Verified) async throws -> CatalogMetadata {
        let data = try await fetchPinned(RegistryLayout.catalog, snapshot: verified.snapshot)
        return try verify(data, as: .snapshot, type: "catalog", root: verified.root, what: RegistryLayout.catalog)
    }

    /// The index of plugin `id`; `NOT_FOUND` when the snapshot lists no such plugin.
    public func index(_ id: String, _ verified: Verified) async throws -> IndexMetadata {
        let path = RegistryLayout.index(id)
        guard verified.snapshot.meta[path] != nil else {
            throw MarketError(.notFound, "the registry has no plugin '\(id)'", fix: "search for it with `market search`")
        }
        let index: IndexMetadata = try verify(try await fetchPinned(path, snapshot: verified.snapshot), as: .index, type: "index", root: verified.root, what: path)
        guard index.id == id else {
            throw MarketError(.registryInvalid, "\(path) describes '\(index.id)'", fix: "the registry is misconfigured; tell its operator")
        }
        return index
    }

    /// Downloads `artifact`, checking its size and SHA-256 against the index before writing
    /// it to `destination`; `progress` hears of the bytes as they arrive.
    public func download(_ artifact: IndexMetadata.Artifact, to destination: URL, progress: (@Sendable (Int64) -> Void)? = nil) async throws {
        let components = artifact.file.split(separator: "/")
        guard components.count == 2, components[0] == "artifacts", components[1] != "..", components[1] != "." else {
            throw MarketError(.registryInvalid, "the index names an artifact outside artifacts/: '\(artifact.file)'", fix: "the registry is misconfigured; tell its operator")
        }
        let data = try await transport.fetch(artifact.file, maximumBytes: artifact.size, progress: progress)
        guard Int64(data.count) == artifact.size, sha256Hex(data) == artifact.sha256 else {
            throw MarketError(.hashMismatch, "\(artifact.file) is not the file the index pins (size or SHA-256 differ)",
                              fix: "a mirror or cache served an altered file; try again later or use another mirror")
        }
        try await BlockingWork.run { try AtomicFile.write(data, to: destination) }
    }

    /// Fetches a file the snapshot pins and checks its size, hash and version.
    private func fetchPinned(_ path: String, snapshot: SnapshotMetadata) async throws -> Data {
        guard let pinned = snapshot.meta[path] else {
            throw MarketError(.registryInvalid, "snapshot.json does not pin \(path)", fix: "the registry is misconfigured; tell its operator")
        }
        let data = try await transport.fetch(path, maximumBytes: pinned.size)
        try pinned.check(data, what: path)
        return data
    }
}

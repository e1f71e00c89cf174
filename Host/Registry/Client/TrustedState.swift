import Foundation
import MarketCore

/// The metadata a client trusts, in a folder of its own: the root it was given out of band and
/// the last timestamp and snapshot it verified. A client never goes back from these.
///
/// Files are replaced atomically and only after a full verification, so a refused update
/// leaves the folder byte for byte as it was.
public struct TrustedState: Sendable {
    public let folder: URL

    public init(folder: URL) {
        self.folder = folder
    }

    /// Starts trusting `rootData`, a root.json obtained out of band (it must be signed by its
    /// own root keys). Replaces whatever this folder trusted before.
    public func trust(root rootData: Data) throws {
        let envelope = try SignedEnvelope(parsing: rootData, what: RegistryLayout.root)
        let root = try envelope.payload(RootMetadata.self, what: RegistryLayout.root)
        guard root.type == "root" else { throw MarketError(.registryInvalid, "the file is not root metadata", fix: "pass the registry's root.json") }
        try root.verify(envelope, as: .root, what: RegistryLayout.root)
        for name in [RegistryLayout.timestamp, RegistryLayout.snapshot] {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
        try AtomicFile.write(rootData, to: folder.appendingPathComponent(RegistryLayout.root))
    }

    /// The trusted root; `NOT_FOUND` when this folder trusts none yet.
    public func root() throws -> RootMetadata {
        guard let data = try read(RegistryLayout.root) else {
            throw MarketError(.notFound, "no trusted root in \(folder.path)", fix: "add the registry with its root.json first")
        }
        return try SignedEnvelope(parsing: data, what: RegistryLayout.root).payload(RootMetadata.self, what: RegistryLayout.root)
    }

    /// The last verified timestamp, if any.
    public func timestamp() throws -> TimestampMetadata? {
        try read(RegistryLayout.timestamp).map { try SignedEnvelope(parsing: $0, what: RegistryLayout.timestamp).payload(TimestampMetadata.self, what: RegistryLayout.timestamp) }
    }

    /// The last verified snapshot, if any.
    public func snapshot() throws -> SnapshotMetadata? {
        try read(RegistryLayout.snapshot).map { try SignedEnvelope(parsing: $0, what: RegistryLayout.snapshot).payload(SnapshotMetadata.self, what: RegistryLayout.snapshot) }
    }

    func save(_ data: Data, as name: String) throws {
        try AtomicFile.write(data, to: folder.appendingPathComponent(name))
    }

    private func read(_ name: String) throws -> Data? {
        let url = folder.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try readFile(url)
    }
}

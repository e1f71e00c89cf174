import Foundation
import MarketCore

/// The operator's side of a registry tree in a local folder: creates it, publishes packages,
/// yanks versions and re-signs the short-lived metadata.
///
/// Every change rewrites, in this order, the artifact, the index file, the catalog, the
/// snapshot and last the timestamp, so a client that starts from the timestamp only ever sees
/// files the snapshot pins. Blocking: call through `BlockingWork.run`.
public struct RegistryWriter: Sendable {
    public let folder: URL
    /// The online key: it must be listed for the timestamp, snapshot and index roles.
    public let key: SigningKey
    public let now: Date

    /// Opens the registry in `folder`, checking its root.json is signed by its own root keys.
    public init(folder: URL, key: SigningKey, now: Date = Date()) throws {
        self.folder = folder
        self.key = key
        self.now = now
        _ = try currentRoot()
    }

    /// Creates a registry in `folder` (empty or missing): root version 1 signed by `rootKey`,
    /// with `onlineKeys` (or the root key when none) for the other roles, an empty catalog,
    /// a snapshot and a timestamp signed by `onlineKey`.
    public static func create(at folder: URL, rootKey: SigningKey, onlineKeys: [PublicKey], onlineKey: SigningKey? = nil,
                              now: Date = Date()) throws -> RegistryWriter {
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent(RegistryLayout.root).path) {
            throw MarketError(.registryInvalid, "\(folder.path) already holds a registry", fix: "choose an empty folder")
        }
        let online = onlineKeys.isEmpty ? [rootKey.publicKey] : onlineKeys
        let signer = onlineKey ?? rootKey
        guard online.contains(signer.publicKey) else {
            throw MarketError(.keyUntrusted, "the key \(signer.id) that signs the first snapshot is not one of the registry's online keys",
                              fix: "pass the private key of one of the --key keys")
        }
        let onlineRole = RoleKeys(keyids: online.map(\.id))
        let root = RootMetadata(version: 1, expires: now.addingTimeInterval(Expiry.root), keys: [rootKey.publicKey] + online, roles: [
            .root: RoleKeys(keyids: [rootKey.id]), .timestamp: onlineRole, .snapshot: onlineRole, .index: onlineRole,
        ])
        try writeRoot(root, signedBy: [rootKey], in: folder)
        let writer = RegistryWriter(unchecked: folder, key: signer, now: now)
        try writer.write(CatalogMetadata(version: 1, plugins: []), to: RegistryLayout.catalog)
        try writer.resign(changed: [RegistryLayout.catalog])
        return writer
    }

    /// Writes `root` as root.json and roots/<version>.json, signed by `keys` (for a rotation:
    /// the previous root's keys and the new ones).
    public static func writeRoot(_ root: RootMetadata, signedBy keys: [SigningKey], in folder: URL) throws {
        let data = try SignedEnvelope(signing: root, with: keys).fileData()
        try AtomicFile.write(data, to: folder.appendingPathComponent(RegistryLayout.root(version: root.version)))
        try AtomicFile.write(data, to: folder.appendingPathComponent(RegistryLayout.root))
    }

    private init(unchecked folder: URL, key: SigningKey, now: Date) {
        self.folder = folder
        self.key = key
        self.now = now
    }

    /// Re-signs the timestamp, and the snapshot too when it expires within a week.
    public func refresh() throws {
        try RegistryLock.withLock(folder) { try refreshLocked() }
    }

    private func refreshLocked() throws {
        try checkOnlineKey()
        let snapshot: SnapshotMetadata = try read(RegistryLayout.snapshot, role: .snapshot)
        let expires = try Expiry.date(snapshot.expires, what: RegistryLayout.snapshot)
        if expires.timeIntervalSince(now) < 7 * 86_400 {
            try resign(changed: [])
        } else {
            try writeTimestamp(pinning: readData(RegistryLayout.snapshot), snapshotVersion: snapshot.version)
        }
    }

    // MARK: - Shared by publish and yank

    func currentRoot() throws -> RootMetadata {
        let envelope = try SignedEnvelope(parsing: readData(RegistryLayout.root), what: RegistryLayout.root)
        let root = try envelope.payload(RootMetadata.self, what: RegistryLayout.root)
        try root.verify(envelope, as: .root, what: RegistryLayout.root)
        guard root.type == "root" else { throw MarketError(.registryInvalid, "root.json is not root metadata") }
        return root
    }

    /// Reads and verifies a signed file of the tree.
    func read<T: Decodable>(_ path: String, role: RootMetadata.Role) throws -> T {
        let envelope = try SignedEnvelope(parsing: readData(path), what: path)
        try currentRoot().verify(envelope, as: role, what: path)
        return try envelope.payload(T.self, what: path)
    }

    func readData(_ path: String) throws -> Data {
        let url = folder.appendingPathComponent(path)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MarketError(.notFound, "\(folder.path) has no \(path)", fix: "create the registry with `market registry init`")
        }
        return try readFile(url)
    }

    /// Checks before any change that the root lists the key for every role an operator
    /// command signs, so a wrong key fails before anything is written.
    func checkOnlineKey() throws {
        let root = try currentRoot()
        for role in [RootMetadata.Role.index, .snapshot, .timestamp] where try !root.keys(for: role).keyids.contains(key.id) {
            throw MarketError(.keyUntrusted, "key \(key.id) is not a \(role.rawValue) key of this registry",
                              fix: "pass the private key of one of the keys given to `market registry init --key`")
        }
    }

    /// Signs `payload` with the online key (`checkOnlineKey` has checked that the root lists
    /// it for the roles operator commands sign).
    func write(_ payload: some Encodable, to path: String) throws {
        try AtomicFile.write(try SignedEnvelope(signing: payload, with: [key]).fileData(), to: folder.appendingPathComponent(path))
    }

    /// Writes a new snapshot pinning the current versions of `changed` (and keeping the other
    /// pins), then a timestamp pinning that snapshot.
    func resign(changed: [String]) throws {
        let previous: SnapshotMetadata? = FileManager.default.fileExists(atPath: folder.appendingPathComponent(RegistryLayout.snapshot).path)
            ? try read(RegistryLayout.snapshot, role: .snapshot) : nil
        var meta = previous?.meta ?? [:]
        for path in changed {
            let data = try readData(path)
            let envelope = try SignedEnvelope(parsing: data, what: path)
            guard let version = envelope.signed["version"]?.doubleValue else {
                throw MarketError(.registryInvalid, "\(path) has no version")
            }
            meta[path] = FileMeta(version: Int(version), data: data)
        }
        let snapshot = SnapshotMetadata(version: (previous?.version ?? 0) + 1, expires: Expiry.text(now.addingTimeInterval(Expiry.snapshot)), meta: meta)
        try write(snapshot, to: RegistryLayout.snapshot)
        try writeTimestamp(pinning: readData(RegistryLayout.snapshot), snapshotVersion: snapshot.version)
    }

    private func writeTimestamp(pinning snapshot: Data, snapshotVersion: Int) throws {
        let previous: TimestampMetadata? = FileManager.default.fileExists(atPath: folder.appendingPathComponent(RegistryLayout.timestamp).path)
            ? try read(RegistryLayout.timestamp, role: .timestamp) : nil
        let timestamp = TimestampMetadata(version: (previous?.version ?? 0) + 1, expires: Expiry.text(now.addingTimeInterval(Expiry.timestamp)),
                                          snapshot: FileMeta(version: snapshotVersion, data: snapshot))
        try write(timestamp, to: RegistryLayout.timestamp)
    }
}

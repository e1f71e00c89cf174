import Foundation
import MarketCore

/// The client's side of a registry: fetches metadata through a transport and believes only
/// what verifies against the trusted state.
///
/// `update()` follows root rotations one version at a time, then fetches the timestamp and the
/// snapshot it pins, refusing `ROLLBACK` (older than trusted), `META_EXPIRED`, `HASH_MISMATCH`,
/// `KEY_UNTRUSTED` and `SIG_INVALID`. The trusted state changes only after every check passed.
public struct RegistryClient: Sendable {
    /// Metadata that verified together in one update.
    public struct Verified: Sendable {
        public let root: RootMetadata
        public let timestamp: TimestampMetadata
        public let snapshot: SnapshotMetadata
    }

    /// Caps on files whose size no signed metadata pins yet.
    static let maximumRootBytes: Int64 = 1 << 20
    static let maximumTimestampBytes: Int64 = 1 << 20
    /// Root versions followed in one update; an endless chain is refused rather than walked.
    static let maximumRootRotations = 1024

    public let transport: any RegistryTransport
    public let state: TrustedState
    /// The time expiries are compared with.
    public let now: Date

    /// Offline, the client reads a mirror folder or its own cache and accepts a timestamp
    /// or snapshot past its expiry: there is nothing newer to be had, and every other check
    /// (signatures, hashes, no going back) still holds.
    public let offline: Bool

    /// Where verified index files, the catalog and artifacts are kept for offline use; nil
    /// keeps nothing.
    public let cache: RegistryCache?

    public init(transport: any RegistryTransport, state: TrustedState, now: Date = Date(), offline: Bool = false, cache: RegistryCache? = nil) {
        self.transport = transport
        self.state = state
        self.now = now
        self.offline = offline
        self.cache = cache
    }

    /// Brings the trusted metadata up to date with the registry. Nothing is written to the
    /// trusted state until every file (new roots, timestamp, snapshot) has verified.
    public func update() async throws -> Verified {
        let rotation = try await updateRoot()
        let root = rotation.root
        try Expiry.check(root.expires, now: now, what: RegistryLayout.root)

        let timestampData = try await transport.fetch(RegistryLayout.timestamp, maximumBytes: Self.maximumTimestampBytes)
        let timestamp: TimestampMetadata = try verify(timestampData, as: .timestamp, type: "timestamp", root: root, what: RegistryLayout.timestamp)
        if !rotation.newTimestampKeys, let trusted = try state.timestamp() {
            guard timestamp.version >= trusted.version else { throw rollback(RegistryLayout.timestamp, version: timestamp.version, trusted: trusted.version) }
            guard timestamp.snapshot.version >= trusted.snapshot.version else {
                throw rollback("the snapshot pinned by timestamp.json", version: timestamp.snapshot.version, trusted: trusted.snapshot.version)
            }
        }
        if !offline { try Expiry.check(timestamp.expires, now: now, what: RegistryLayout.timestamp) }

        let snapshotData = try await transport.fetch(RegistryLayout.snapshot, maximumBytes: timestamp.snapshot.size)
        try timestamp.snapshot.check(snapshotData, what: RegistryLayout.snapshot)
        let snapshot: SnapshotMetadata = try verify(snapshotData, as: .snapshot, type: "snapshot", root: root, what: RegistryLayout.snapshot)
        guard snapshot.version == timestamp.snapshot.version else {
            throw MarketError(.hashMismatch, "snapshot.json is version \(snapshot.version), but the timestamp pins \(timestamp.snapshot.version)",
                              fix: "a mirror served files from different moments; try again later")
        }
        // A snapshot pins the catalog and index files only; any other path (one with '..', an
        // id that is not a plugin id) would lead a client outside the tree.
        if let stray = snapshot.meta.keys.sorted().first(where: { !Self.isPinnable($0) }) {
            throw MarketError(.registryInvalid, "snapshot.json pins '\(TerminalText.escape(stray))', which is not the catalog or an index/<plugin id>.json",
                              fix: "the registry is misconfigured or hostile; do not use it, and tell its operator")
        }
        if !rotation.newSnapshotKeys, let trusted = try state.snapshot() {
            guard snapshot.version >= trusted.version else { throw rollback(RegistryLayout.snapshot, version: snapshot.version, trusted: trusted.version) }
            for (path, pinned) in trusted.meta {
                guard let current = snapshot.meta[path], current.version >= pinned.version else {
                    throw rollback(path, version: snapshot.meta[path]?.version ?? 0, trusted: pinned.version)
                }
            }
        }
        if !offline { try Expiry.check(snapshot.expires, now: now, what: RegistryLayout.snapshot) }

        if let rootData = rotation.data { try state.save(rootData, as: RegistryLayout.root) }
        try state.save(snapshotData, as: RegistryLayout.snapshot)
        try state.save(timestampData, as: RegistryLayout.timestamp)
        return Verified(root: root, timestamp: timestamp, snapshot: snapshot)
    }

    /// The newest root the registry offers, verified but not yet trusted.
    private struct Rotation {
        var root: RootMetadata
        /// The newest root's file, when it is newer than the trusted one.
        var data: Data?
        /// New timestamp or snapshot keys make the old versions meaningless: the client starts
        /// afresh from what the new keys sign (TUF's recovery from a fast-forward attack).
        var newTimestampKeys = false
        var newSnapshotKeys = false
    }

    /// Follows `roots/<N+1>.json` while the registry has one: each must be signed by the
    /// threshold of the previous root's root keys and of its own. Writes nothing.
    private func updateRoot() async throws -> Rotation {
        let trusted = try state.root()
        var rotation = Rotation(root: trusted)
        for _ in 0..<Self.maximumRootRotations {
            let root = rotation.root
            let next = root.version + 1
            let path = RegistryLayout.root(version: next)
            let data: Data
            do {
                data = try await transport.fetch(path, maximumBytes: Self.maximumRootBytes)
            } catch let error as MarketError where error.code == .notFound {
                return rotation
            }
            let envelope = try SignedEnvelope(parsing: data, what: path)
            let candidate = try envelope.payload(RootMetadata.self, what: path)
            try root.verify(envelope, as: .root, what: "\(path) (by the keys of root \(root.version))")
            try candidate.verify(envelope, as: .root, what: "\(path) (by its own keys)")
            guard candidate.type == "root", candidate.version == next else {
                throw rollback(path, version: candidate.version, trusted: next)
            }
            if try candidate.keys(for: .timestamp) != root.keys(for: .timestamp) { rotation.newTimestampKeys = true }
            if try candidate.keys(for: .snapshot) != root.keys(for: .snapshot) { rotation.newSnapshotKeys = true }
            rotation.root = candidate
            rotation.data = data
        }
        throw MarketError(.registryInvalid, "the registry offers more than \(Self.maximumRootRotations) root versions after \(rotation.root.version)",
                          fix: "trust a recent root.json from the operator again")
    }

    /// The paths a snapshot may pin: the catalog and index files.
    static func isPinnable(_ path: String) -> Bool {
        path == RegistryLayout.catalog || (path.hasPrefix("index/") && RegistryLayout.isCacheable(path))
    }

    /// Parses, verifies against `root` as `role`, decodes and checks the `type` field.
    func verify<T: Decodable>(_ data: Data, as role: RootMetadata.Role, type: String, root: RootMetadata, what: String) throws -> T {
        let envelope = try SignedEnvelope(parsing: data, what: what)
        try root.verify(envelope, as: role, what: what)
        guard envelope.signed["type"] == .string(type) else {
            throw MarketError(.registryInvalid, "\(what) is not \(type) metadata", fix: "the registry is misconfigured; tell its operator")
        }
        return try envelope.payload(T.self, what: what)
    }

    private func rollback(_ what: String, version: Int, trusted: Int) -> MarketError {
        MarketError(.rollback, "\(what) is version \(version), older than version \(trusted) already trusted",
                    fix: "a mirror or attacker is replaying old metadata; try another mirror, or wait for the registry to catch up")
    }
}

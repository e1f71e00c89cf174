import Foundation
import MarketRegistry

/// A registry tree in a temporary folder, with keys made for the test, and a client state
/// folder that trusts its root.
struct TestRegistry {
    let folder: TemporaryFolder
    let rootKey = SigningKey.generate()
    let onlineKey = SigningKey.generate()
    let publisherKey = SigningKey.generate()
    let now: Date
    /// Where the tree is, relative to `folder`.
    let treePath: String

    var tree: URL { folder.path(treePath) }
    var stateFolder: URL { folder.path("state") }

    init(now: Date = Date(), treePath: String = "registry") throws {
        folder = try TemporaryFolder()
        self.now = now
        self.treePath = treePath
        _ = try RegistryWriter.create(at: folder.path(treePath), rootKey: rootKey, onlineKeys: [onlineKey.publicKey], onlineKey: onlineKey, now: now)
    }

    func writer(now: Date? = nil) throws -> RegistryWriter {
        try RegistryWriter(folder: tree, key: onlineKey, now: now ?? self.now)
    }

    /// Packs the fixture plugin `id`@`version` with the publisher key and publishes it.
    @discardableResult
    func publish(_ id: String = "demo", _ version: String = "1.0.0", network: String = "api.example.com", dependencies: [String: String] = [:],
                 abi: String = "^1.0", now: Date? = nil) throws -> URL {
        let source = try PluginFixture.make(in: folder.path("sources"), id: id, version: version, network: network, dependencies: dependencies, abi: abi)
        let package = try PackageWriter.pack(source, signedWith: publisherKey, into: folder.path("packages"))
        try writer(now: now).publish(package.url)
        return package.url
    }

    /// A client whose state trusts this registry's root version 1.
    func client(now: Date? = nil) throws -> RegistryClient {
        let state = TrustedState(folder: stateFolder)
        if !FileManager.default.fileExists(atPath: stateFolder.appendingPathComponent(RegistryLayout.root).path) {
            try state.trust(root: Data(contentsOf: tree.appendingPathComponent(RegistryLayout.root(version: 1))))
        }
        return RegistryClient(transport: FileTransport(root: tree), state: state, now: now ?? self.now)
    }

    /// The bytes of every file in the client's state folder, to show a refusal changed nothing.
    func stateBytes() throws -> [String: Data] {
        var result: [String: Data] = [:]
        for path in TemporaryFolder.listing(stateFolder) {
            var isFolder: ObjCBool = false
            let url = stateFolder.appendingPathComponent(path)
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue { result[path] = try Data(contentsOf: url) }
        }
        return result
    }

    /// Reads a signed file of the tree as an envelope.
    func envelope(_ path: String) throws -> SignedEnvelope {
        try SignedEnvelope(parsing: Data(contentsOf: tree.appendingPathComponent(path)), what: path)
    }

    /// Replaces the artifact of `id`@`version` with `bytes` and re-signs the index, snapshot
    /// and timestamp with the registry's own key: what a compromised registry could serve.
    func replaceArtifact(_ id: String, _ version: String, with bytes: Data) throws {
        let indexPath = "index/\(id).json"
        var index = try envelope(indexPath).payload(IndexMetadata.self, what: indexPath)
        guard let position = index.versions.firstIndex(where: { $0.version == version }) else { throw CocoaError(.fileNoSuchFile) }
        for (platform, var artifact) in index.versions[position].artifacts {
            artifact.sha256 = FileMeta(version: 0, data: bytes).sha256
            artifact.size = Int64(bytes.count)
            index.versions[position].artifacts[platform] = artifact
            try bytes.write(to: tree.appendingPathComponent(artifact.file))
        }
        index.version += 1
        try write(SignedEnvelope(signing: index, with: [onlineKey]), to: indexPath)
        var snapshot = try envelope("snapshot.json").payload(SnapshotMetadata.self, what: "snapshot")
        snapshot.version += 1
        snapshot.meta[indexPath] = FileMeta(version: index.version, data: try Data(contentsOf: tree.appendingPathComponent(indexPath)))
        try write(SignedEnvelope(signing: snapshot, with: [onlineKey]), to: "snapshot.json")
        var timestamp = try envelope("timestamp.json").payload(TimestampMetadata.self, what: "timestamp")
        timestamp.version += 1
        timestamp.snapshot = FileMeta(version: snapshot.version, data: try Data(contentsOf: tree.appendingPathComponent("snapshot.json")))
        try write(SignedEnvelope(signing: timestamp, with: [onlineKey]), to: "timestamp.json")
    }

    /// Changes the index of `id` and pins `extra` files (path → bytes) in the snapshot, then
    /// re-signs the index, snapshot and timestamp with the registry's own key: what a hostile
    /// registry can publish.
    func resign(_ id: String, extra: [String: Data] = [:], _ change: (inout IndexMetadata) -> Void) throws {
        let indexPath = "index/\(id).json"
        var index = try envelope(indexPath).payload(IndexMetadata.self, what: indexPath)
        change(&index)
        index.version += 1
        try write(SignedEnvelope(signing: index, with: [onlineKey]), to: indexPath)
        var snapshot = try envelope("snapshot.json").payload(SnapshotMetadata.self, what: "snapshot")
        snapshot.version += 1
        snapshot.meta[indexPath] = FileMeta(version: index.version, data: try Data(contentsOf: tree.appendingPathComponent(indexPath)))
        for (path, data) in extra { snapshot.meta[path] = FileMeta(version: 1, data: data) }
        try write(SignedEnvelope(signing: snapshot, with: [onlineKey]), to: "snapshot.json")
        var timestamp = try envelope("timestamp.json").payload(TimestampMetadata.self, what: "timestamp")
        timestamp.version += 1
        timestamp.snapshot = FileMeta(version: snapshot.version, data: try Data(contentsOf: tree.appendingPathComponent("snapshot.json")))
        try write(SignedEnvelope(signing: timestamp, with: [onlineKey]), to: "timestamp.json")
    }

    func write(_ envelope: SignedEnvelope, to path: String) throws {
        try envelope.fileData().write(to: tree.appendingPathComponent(path))
    }
}

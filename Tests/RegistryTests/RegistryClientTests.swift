import Foundation
import MarketCore
import MarketRegistry
import Testing

@Suite struct RegistryClientTests {
    @Test func aClientVerifiesTheChainDownloadsAndOpensAPackage() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        let client = try registry.client()
        let verified = try await client.update()
        #expect(try await client.catalog(verified).plugins.map(\.id) == ["demo"])
        let index = try await client.index("demo", verified)
        let artifact = try #require(index.entry("1.0.0")?.artifact(for: Platform.host()))
        let download = registry.folder.path("download.mkpkg")
        try await client.download(artifact, to: download)
        let opened = try PackageVerifier.open(download, into: registry.folder.path("opened"), publishers: try index.publisherKeys())
        #expect(opened.manifest.version == "1.0.0")
        #expect(try registry.stateBytes().keys.sorted() == ["root.json", "snapshot.json", "timestamp.json"])
    }

    @Test func anExpiredTimestampIsMETA_EXPIREDAndTheStateIsUnchanged() async throws {
        let registry = try TestRegistry()
        _ = try await registry.client().update()
        let before = try registry.stateBytes()
        let error = await #expect(throws: MarketError.self) { try await registry.client(now: registry.now.addingTimeInterval(Expiry.timestamp + 60)).update() }
        #expect(error?.code == .metadataExpired)
        #expect(try registry.stateBytes() == before)
    }

    @Test func aReplayedOlderTimestampAndSnapshotAreROLLBACK() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        let old = try ["timestamp.json", "snapshot.json", "index/demo.json", "catalog.json"].map { ($0, try Data(contentsOf: registry.tree.appendingPathComponent($0))) }
        try registry.publish("demo", "1.1.0")
        _ = try await registry.client().update()
        let before = try registry.stateBytes()
        for (path, data) in old { try data.write(to: registry.tree.appendingPathComponent(path)) }
        let error = await #expect(throws: MarketError.self) { try await registry.client().update() }
        #expect(error?.code == .rollback)
        #expect(try registry.stateBytes() == before)
    }

    @Test func anOldIndexBesideANewSnapshotIsHASH_MISMATCH() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        let oldIndex = try Data(contentsOf: registry.tree.appendingPathComponent("index/demo.json"))
        try registry.publish("demo", "1.1.0")
        try oldIndex.write(to: registry.tree.appendingPathComponent("index/demo.json"))
        let client = try registry.client()
        let verified = try await client.update()
        let error = await #expect(throws: MarketError.self) { try await client.index("demo", verified) }
        #expect(error?.code == .hashMismatch)
    }

    @Test func aTamperedArtifactIsHASH_MISMATCHAndNothingIsWritten() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        let client = try registry.client()
        let verified = try await client.update()
        let artifact = try #require(try await client.index("demo", verified).entry("1.0.0")?.artifact(for: Platform.host()))
        let stored = registry.tree.appendingPathComponent(artifact.file)
        var bytes = try Data(contentsOf: stored)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: stored)
        let download = registry.folder.path("download.mkpkg")
        let error = await #expect(throws: MarketError.self) { try await client.download(artifact, to: download) }
        #expect(error?.code == .hashMismatch)
        #expect(!FileManager.default.fileExists(atPath: download.path))
    }

    @Test func aTimestampSignedByAnUnknownKeyIsKEY_UNTRUSTED() async throws {
        let registry = try TestRegistry()
        _ = try await registry.client().update()
        let before = try registry.stateBytes()
        let timestamp = try registry.envelope("timestamp.json").payload(TimestampMetadata.self, what: "t")
        var forged = timestamp
        forged.version += 1
        try registry.write(try SignedEnvelope(signing: forged, with: [SigningKey.generate()]), to: "timestamp.json")
        let error = await #expect(throws: MarketError.self) { try await registry.client().update() }
        #expect(error?.code == .keyUntrusted)
        #expect(try registry.stateBytes() == before)
    }

    @Test func anEditedTimestampIsSIG_INVALID() async throws {
        let registry = try TestRegistry()
        _ = try await registry.client().update()
        let before = try registry.stateBytes()
        var envelope = try registry.envelope("timestamp.json")
        guard case .object(var fields) = envelope.signed else { Issue.record("not an object"); return }
        fields["expires"] = .string("2099-01-01T00:00:00Z")
        envelope.signed = .object(fields)
        try registry.write(envelope, to: "timestamp.json")
        let error = await #expect(throws: MarketError.self) { try await registry.client().update() }
        #expect(error?.code == .signatureInvalid)
        #expect(try registry.stateBytes() == before)
    }

    @Test func aSnapshotOtherThanTheOneTheTimestampPinsIsHASH_MISMATCH() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        let oldSnapshot = try Data(contentsOf: registry.tree.appendingPathComponent("snapshot.json"))
        try registry.publish("demo", "1.1.0")
        try oldSnapshot.write(to: registry.tree.appendingPathComponent("snapshot.json"))
        let error = await #expect(throws: MarketError.self) { try await registry.client().update() }
        #expect(error?.code == .hashMismatch)
        #expect(!FileManager.default.fileExists(atPath: registry.stateFolder.appendingPathComponent("snapshot.json").path))
    }

    @Test func anUnknownPluginIsNOT_FOUND() async throws {
        let registry = try TestRegistry()
        let client = try registry.client()
        let verified = try await client.update()
        let error = await #expect(throws: MarketError.self) { try await client.index("nosuch", verified) }
        #expect(error?.code == .notFound)
        let path = await #expect(throws: MarketError.self) { try await client.index("../root", verified) }
        #expect(path?.code == .pluginIDInvalid)
    }
}

@Suite struct SnapshotRollbackTests {
    @Test func aNewTimestampPinningAnOlderSnapshotIsROLLBACK() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        let oldSnapshot = try Data(contentsOf: registry.tree.appendingPathComponent("snapshot.json"))
        let oldVersion = try registry.envelope("snapshot.json").payload(SnapshotMetadata.self, what: "s").version
        try registry.publish("demo", "1.1.0")
        _ = try await registry.client().update()
        let before = try registry.stateBytes()
        try oldSnapshot.write(to: registry.tree.appendingPathComponent("snapshot.json"))
        var timestamp = try registry.envelope("timestamp.json").payload(TimestampMetadata.self, what: "t")
        timestamp.version += 1
        timestamp.snapshot = FileMeta(version: oldVersion, data: oldSnapshot)
        try registry.write(SignedEnvelope(signing: timestamp, with: [registry.onlineKey]), to: "timestamp.json")
        let error = await #expect(throws: MarketError.self) { try await registry.client().update() }
        #expect(error?.code == .rollback)
        #expect(error?.message.contains("snapshot") == true)
        #expect(try registry.stateBytes() == before)
    }
}

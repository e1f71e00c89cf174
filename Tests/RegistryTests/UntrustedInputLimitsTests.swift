import Foundation
import MarketCore
import MarketRegistry
import Testing

/// Caps hold for what is read, and packages are judged before anything of them is written.
@Suite struct UntrustedInputLimitsTests {
    @Test func aMirrorFileThatLinksToALargeFileIsRefusedAtItsCap() async throws {
        let registry = try TestRegistry()
        let large = registry.folder.path("large.json")
        try Data(repeating: 0x20, count: 3 << 20).write(to: large)
        let timestamp = registry.tree.appendingPathComponent(RegistryLayout.timestamp)
        try FileManager.default.removeItem(at: timestamp)
        try FileManager.default.createSymbolicLink(at: timestamp, withDestinationURL: large)
        _ = try registry.client()
        let before = try registry.stateBytes()
        let error = await #expect(throws: MarketError.self) { try await registry.client().update() }
        #expect(error?.code == .hashMismatch)
        #expect(try registry.stateBytes() == before)
    }

    @Test func aMirrorFileThatIsAFifoIsRefusedWithoutWaiting() async throws {
        let registry = try TestRegistry()
        let timestamp = registry.tree.appendingPathComponent(RegistryLayout.timestamp)
        try FileManager.default.removeItem(at: timestamp)
        #expect(mkfifo(timestamp.path, 0o644) == 0)
        let error = await #expect(throws: MarketError.self) { try await registry.client().update() }
        #expect(error?.code == .fetchFailed)
    }

    @Test func aSnapshotPinningAnOversizedCatalogIsRefusedBeforeFetchingIt() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        try registry.resign("demo", extra: [RegistryLayout.catalog: Data(repeating: 0x20, count: 17 << 20)]) { _ in }
        let client = try registry.client()
        let verified = try await client.update()
        let error = await #expect(throws: MarketError.self) { try await client.catalog(verified) }
        #expect(error?.code == .registryInvalid)
    }

    @Test func everyEntryCountsTowardsTheCapTopFoldersToo() throws {
        let folder = try TemporaryFolder()
        let archive = folder.path("pkg.mkpkg")
        try ArchiveBuilder.write(Array(repeating: .directory("./"), count: 50) + [.file("plugin.json", Data("{}".utf8))], to: archive)
        let error = #expect(throws: MarketError.self) {
            try PackageExtractor.extract(archive, to: folder.path("target"), limits: ExtractionLimits(maximumEntries: 20))
        }
        #expect(error?.code == .packageUnsafe)
        #expect(!FileManager.default.fileExists(atPath: folder.path("target").path))
    }

    /// The destination's parent is a file, so any attempt to write fails with IO_FAILED: the
    /// refusal must come first, from the signature, before extraction is tried.
    @Test func anUntrustedPackageIsRefusedBeforeAnythingIsExtracted() throws {
        let folder = try TemporaryFolder()
        let publisher = SigningKey.generate()
        let package = try PackageWriter.pack(try PluginFixture.make(in: folder.url), signedWith: publisher, into: folder.path("out"))
        try Data("not a folder".utf8).write(to: folder.path("blocked"))
        let stranger = SigningKey.generate()
        let untrusted = #expect(throws: MarketError.self) {
            try PackageVerifier.open(package.url, into: folder.path("blocked/target"), publishers: [stranger.id: stranger.publicKey])
        }
        #expect(untrusted?.code == .keyUntrusted)
    }

    @Test func aPackageWhoseFilesDifferFromItsSignedChecksumsIsRefusedBeforeExtraction() throws {
        let folder = try TemporaryFolder()
        let publisher = SigningKey.generate()
        let source = try PluginFixture.make(in: folder.url)
        let package = try PackageWriter.pack(source, signedWith: publisher, into: folder.path("out"))
        // Re-pack the signed files with an altered library.
        let opened = try PackageVerifier.open(package.url, into: folder.path("opened"), publishers: [publisher.id: publisher.publicKey])
        let members: [ArchiveBuilder.Member] = try opened.files.map { path in
            let data = path == "libdemo.so" ? Data("altered".utf8) : try Data(contentsOf: opened.folder.appendingPathComponent(path))
            return .file(path, data)
        }
        let tampered = folder.path("tampered.mkpkg")
        try ArchiveBuilder.write(members, to: tampered)
        try Data("not a folder".utf8).write(to: folder.path("blocked"))
        let error = #expect(throws: MarketError.self) {
            try PackageVerifier.open(tampered, into: folder.path("blocked/target"), publishers: [publisher.id: publisher.publicKey])
        }
        #expect(error?.code == .hashMismatch)
    }

    @Test func aManifestOverItsCapsIsRefusedAtPack() throws {
        let folder = try TemporaryFolder()
        let source = try PluginFixture.make(in: folder.url)
        let manifest = source.appendingPathComponent("plugin.json")
        var text = try String(contentsOf: manifest, encoding: .utf8)
        text = text.replacingOccurrences(of: "A plugin for registry tests.", with: String(repeating: "x", count: 10 << 20))
        try Data(text.utf8).write(to: manifest)
        let error = #expect(throws: MarketError.self) { try PackageWriter.pack(source, signedWith: SigningKey.generate(), into: folder.path("out")) }
        #expect(error?.code == .manifestInvalid)
    }
}

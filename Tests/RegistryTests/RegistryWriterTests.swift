import Foundation
import MarketCore
import MarketRegistry
import Testing

@Suite struct RegistryWriterTests {
    @Test func initWritesTheSignedTree() throws {
        let registry = try TestRegistry()
        let files = TemporaryFolder.listing(registry.tree)
        #expect(files == ["catalog.json", "root.json", "roots", "roots/1.json", "snapshot.json", "timestamp.json"])
        let root = try registry.envelope("root.json").payload(RootMetadata.self, what: "root")
        #expect(root.version == 1)
        #expect(try root.keys(for: .root).keyids == [registry.rootKey.id])
        #expect(try root.keys(for: .timestamp).keyids == [registry.onlineKey.id])
    }

    @Test func publishAddsTheArtifactIndexAndCatalogAndPinsThem() throws {
        let registry = try TestRegistry()
        let package = try registry.publish("demo", "1.2.0")
        let index = try registry.envelope("index/demo.json").payload(IndexMetadata.self, what: "index")
        let entry = try #require(index.entry("1.2.0"))
        let artifact = try #require(entry.artifact(for: Platform.host()))
        #expect(artifact.file == "artifacts/\(package.lastPathComponent)")
        #expect(try Data(contentsOf: registry.tree.appendingPathComponent(artifact.file)) == Data(contentsOf: package))
        #expect(entry.publisher == registry.publisherKey.id)
        #expect(index.publishers[registry.publisherKey.id] == registry.publisherKey.publicKey.base64)
        let catalog = try registry.envelope("catalog.json").payload(CatalogMetadata.self, what: "catalog")
        #expect(catalog.plugins.map(\.latest) == ["1.2.0"])
        let snapshot = try registry.envelope("snapshot.json").payload(SnapshotMetadata.self, what: "snapshot")
        #expect(snapshot.meta["index/demo.json"] == FileMeta(version: index.version, data: try Data(contentsOf: registry.tree.appendingPathComponent("index/demo.json"))))
        let timestamp = try registry.envelope("timestamp.json").payload(TimestampMetadata.self, what: "timestamp")
        #expect(timestamp.snapshot.version == snapshot.version)
    }

    @Test func publishingAnExistingVersionIsVERSION_EXISTSAndChangesNothing() throws {
        let registry = try TestRegistry()
        let package = try registry.publish("demo", "1.0.0")
        let before = try Data(contentsOf: registry.tree.appendingPathComponent("snapshot.json"))
        let error = #expect(throws: MarketError.self) { try registry.writer().publish(package) }
        #expect(error?.code == .versionExists)
        #expect(try Data(contentsOf: registry.tree.appendingPathComponent("snapshot.json")) == before)
    }

    @Test func aLaterVersionByAnotherPublisherIsKEY_UNTRUSTED() throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        let source = try PluginFixture.make(in: registry.folder.path("other"), id: "demo", version: "1.1.0")
        let package = try PackageWriter.pack(source, signedWith: SigningKey.generate(), into: registry.folder.path("other"))
        let error = #expect(throws: MarketError.self) { try registry.writer().publish(package.url) }
        #expect(error?.code == .keyUntrusted)
    }

    @Test func aKeyOutsideTheRegistrysRolesCannotPublish() throws {
        let registry = try TestRegistry()
        let source = try PluginFixture.make(in: registry.folder.url)
        let package = try PackageWriter.pack(source, signedWith: registry.publisherKey, into: registry.folder.url)
        let before = TemporaryFolder.listing(registry.tree)
        let error = #expect(throws: MarketError.self) { try RegistryWriter(folder: registry.tree, key: SigningKey.generate()).publish(package.url) }
        #expect(error?.code == .keyUntrusted)
        #expect(Set(TemporaryFolder.listing(registry.tree)).subtracting([".market-lock"]) == Set(before))
    }

    @Test func yankMarksTheVersionAndMovesTheCatalogsLatest() throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        try registry.publish("demo", "1.1.0")
        try registry.writer().yank(id: "demo", version: "1.1.0", reason: "corrupts notes")
        let index = try registry.envelope("index/demo.json").payload(IndexMetadata.self, what: "index")
        #expect(index.entry("1.1.0")?.yanked == true)
        #expect(index.entry("1.1.0")?.yankReason == "corrupts notes")
        #expect(index.entry("1.0.0")?.yanked == false)
        let catalog = try registry.envelope("catalog.json").payload(CatalogMetadata.self, what: "catalog")
        #expect(catalog.plugins.first?.latest == "1.0.0")
    }

    @Test func yankingAnUnknownVersionIsNOT_FOUND() throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        let error = #expect(throws: MarketError.self) { try registry.writer().yank(id: "demo", version: "9.9.9", reason: "x") }
        #expect(error?.code == .notFound)
    }

    @Test func refreshReSignsTheTimestampWithANewExpiry() throws {
        let registry = try TestRegistry()
        let later = registry.now.addingTimeInterval(20 * 3600)
        try registry.writer(now: later).refresh()
        let timestamp = try registry.envelope("timestamp.json").payload(TimestampMetadata.self, what: "timestamp")
        #expect(timestamp.version == 2)
        #expect(timestamp.expires == Expiry.text(later.addingTimeInterval(Expiry.timestamp)))
    }

    @Test func buildPublishesEveryPluginFolderOnce() throws {
        let registry = try TestRegistry()
        let plugins = registry.folder.path("plugins")
        for id in ["alpha", "beta"] {
            let source = try PluginFixture.make(in: registry.folder.path("src"), id: id)
            try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
            try FileManager.default.moveItem(at: source, to: plugins.appendingPathComponent(id))
        }
        #expect(try registry.writer().build(plugins: plugins) == [.published(id: "alpha", version: "1.0.0"), .published(id: "beta", version: "1.0.0")])
        #expect(try registry.writer().build(plugins: plugins) == [.alreadyPublished(id: "alpha", version: "1.0.0"), .alreadyPublished(id: "beta", version: "1.0.0")])
        let catalog = try registry.envelope("catalog.json").payload(CatalogMetadata.self, what: "catalog")
        #expect(catalog.plugins.map(\.id) == ["alpha", "beta"])
    }
}

import Foundation
import MarketCore
import MarketRegistry
import Testing

/// A registry that names paths instead of plugin ids must not reach the client's config or
/// another registry's trusted state. The hostile tree sits at `x/y/registry`, so that
/// `index/../../../../config.json` in it is the test folder's `config.json`, and in the
/// client's cache (`home/registries/<hash>/cache/index/…`) it is `home/config.json`.
@Suite struct CachePoisoningTests {
    static let climbing = "../../../../config"

    /// The hostile registry with `bait` published, a client home that trusts it and an honest
    /// registry, and the poison file the hostile tree serves for the climbing id.
    struct Scene {
        let hostile: TestRegistry
        let honest: TestRegistry
        let attacker = SigningKey.generate()
        var home: URL { hostile.home }

        init() async throws {
            hostile = try TestRegistry(treePath: "x/y/registry")
            honest = try TestRegistry()
            try hostile.publish("bait", "1.0.0")
            try honest.publish("demo", "1.0.0")
            let home = hostile.home
            try ClientConfig.update(in: home) { config in
                config.registries = [ClientConfig.Registry(name: "main", url: honest.tree.path), ClientConfig.Registry(name: "mal", url: hostile.tree.path)]
            }
            // The honest registry is trusted and was used once, so its state folder exists.
            _ = try await client(honest).update()
            _ = try client(hostile)
        }

        func client(_ registry: TestRegistry) throws -> RegistryClient {
            try RegistryClient.open(try RegistrySource(registry.tree.path), stateDirectory: home,
                                    root: registry.tree.appendingPathComponent(RegistryLayout.root(version: 1)), now: registry.now)
        }

        /// A config.json that trusts the attacker's publisher key, served where the climbing
        /// id's index would be.
        func plantPoison() throws -> Data {
            let poison = Data(#"{"registries":[],"publishers":[{"id":"\#(attacker.id)","key":"\#(attacker.publicKey.base64)","name":"mal"}]}"#.utf8)
            try poison.write(to: hostile.folder.path("config.json"))
            return poison
        }
    }

    @Test func aSnapshotPinningAPathOutsideTheTreeIsRefusedAndNothingIsWritten() async throws {
        let scene = try await Scene()
        let poison = try scene.plantPoison()
        try scene.hostile.resign("bait", extra: ["index/\(Self.climbing).json": poison]) { index in
            index.versions[0].dependencies = [Self.climbing: "^1.0"]
        }
        let before = scene.hostile.homeTree()
        let error = await #expect(throws: MarketError.self) {
            _ = try await scene.hostile.installer().plan([("bait", nil)], from: try scene.client(scene.hostile), source: "mal")
        }
        #expect(error?.code == .registryInvalid)
        #expect(scene.hostile.homeTree() == before)
        #expect(try ClientConfig.read(in: scene.home).publishers.isEmpty)
    }

    @Test func anIndexDependingOnAPathIsRefusedBeforeItIsCached() async throws {
        let scene = try await Scene()
        try scene.hostile.resign("bait") { index in
            index.versions[0].dependencies = [Self.climbing: "^1.0"]
        }
        let config = try Data(contentsOf: scene.home.appendingPathComponent(ClientConfig.fileName))
        let honestState = try RegistrySource(scene.honest.tree.path).stateFolder(in: scene.home)
        let honestBefore = TemporaryFolder.listing(honestState).map { ($0, try? Data(contentsOf: honestState.appendingPathComponent($0))) }
        let error = await #expect(throws: MarketError.self) {
            _ = try await scene.hostile.installer().plan([("bait", nil)], from: try scene.client(scene.hostile), source: "mal")
        }
        #expect(error?.code == .registryInvalid)
        #expect(try Data(contentsOf: scene.home.appendingPathComponent(ClientConfig.fileName)) == config)
        #expect(TemporaryFolder.listing(honestState).map { ($0, try? Data(contentsOf: honestState.appendingPathComponent($0))) }.elementsEqual(honestBefore) { $0 == $1 })
        let hostileCache = try RegistrySource(scene.hostile.tree.path).stateFolder(in: scene.home).appendingPathComponent("cache/index/bait.json")
        #expect(!FileManager.default.fileExists(atPath: hostileCache.path), "an index that failed its checks was cached")
    }

    @Test func anIdFromTheCommandLineThatIsNotAPluginIdIsPLUGIN_ID_INVALID() async throws {
        let scene = try await Scene()
        let before = scene.hostile.homeTree()
        let error = await #expect(throws: MarketError.self) {
            _ = try await scene.hostile.installer().plan([(Self.climbing, nil)], from: try scene.client(scene.hostile), source: "mal")
        }
        #expect(error?.code == .pluginIDInvalid)
        #expect(scene.hostile.homeTree() == before)
        for id in ["../x", "Notes", "a", "notes/../../x", "notes\u{1B}[2J"] {
            #expect((#expect(throws: MarketError.self) { try RegistryLayout.index(id) })?.code == .pluginIDInvalid)
        }
    }

    @Test func aCacheFolderThatIsALinkIsNotWrittenThrough() async throws {
        let scene = try await Scene()
        let elsewhere = scene.hostile.folder.path("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let cache = try RegistrySource(scene.honest.tree.path).stateFolder(in: scene.home).appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: cache.appendingPathComponent("index"), withDestinationURL: elsewhere)
        let client = try scene.client(scene.honest)
        let index = try await client.index("demo", try await client.update())
        #expect(index.id == "demo")
        #expect(TemporaryFolder.listing(elsewhere).isEmpty, "the cache wrote through a link")
    }

    @Test func transportsRefusePathsThatLeaveTheTree() async throws {
        let registry = try TestRegistry()
        for path in ["index/../../secret.json", "/etc/passwd", "index//x.json", "./root.json"] {
            let error = await #expect(throws: MarketError.self) { try await FileTransport(root: registry.tree).fetch(path, maximumBytes: 1 << 20) }
            #expect(error?.code == .registryInvalid, "\(path)")
        }
    }
}

import Foundation
import MarketCore
import MarketRegistry
import Testing

/// An update refused for each kind of bad input the registry can serve leaves the install tree
/// and market.lock byte for byte as they were.
@Suite struct UpdateRefusalTests {
    @Test(arguments: ["expiredTimestamp", "tamperedIndex", "droppedConnection", "dotdotPackage", "unknownPublisher", "replayedSnapshot"])
    func aRefusedUpdateChangesNothing(_ kind: String) async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        try await registry.install("demo")
        let oldSnapshot = try Data(contentsOf: registry.tree.appendingPathComponent("snapshot.json"))
        let oldTimestamp = try Data(contentsOf: registry.tree.appendingPathComponent("timestamp.json"))
        let package = try registry.publish("demo", "1.1.0")
        let before = registry.homeTree()
        var client = try registry.client()
        var server: LoopbackServer?
        defer { server?.stop() }
        let expected: MarketError.Code
        switch kind {
        case "expiredTimestamp":
            client = try registry.client(now: registry.now.addingTimeInterval(2 * 86_400))
            expected = .metadataExpired
        case "tamperedIndex":
            let index = registry.tree.appendingPathComponent("index/demo.json")
            try (try Data(contentsOf: index) + Data(" ".utf8)).write(to: index)
            expected = .hashMismatch
        case "droppedConnection":
            server = try LoopbackServer(serving: registry.tree, truncating: "artifacts/\(package.lastPathComponent)")
            client = RegistryClient(transport: HTTPTransport(base: server?.baseURL ?? "", connectTimeout: .seconds(2), timeout: .seconds(5), retries: 1),
                                    state: TrustedState(folder: registry.stateFolder), now: registry.now)
            expected = .fetchFailed
        case "dotdotPackage":
            let hostile = registry.folder.path("hostile.mkpkg")
            try ArchiveBuilder.write([.file("plugin.json", Data("{}".utf8)), .file("../../x", Data("escaped".utf8))], to: hostile)
            try registry.replaceArtifact("demo", "1.1.0", with: Data(contentsOf: hostile))
            expected = .packageUnsafe
        case "unknownPublisher":
            let source = try PluginFixture.make(in: registry.folder.path("impostor"), id: "demo", version: "1.1.0")
            let impostor = try PackageWriter.pack(source, signedWith: SigningKey.generate(), into: registry.folder.path("impostor"))
            try registry.replaceArtifact("demo", "1.1.0", with: Data(contentsOf: impostor.url))
            expected = .keyUntrusted
        default:
            _ = try await client.update()
            try oldSnapshot.write(to: registry.tree.appendingPathComponent("snapshot.json"))
            try oldTimestamp.write(to: registry.tree.appendingPathComponent("timestamp.json"))
            expected = .rollback
        }
        let stateBefore = try registry.stateBytes()
        let installer = registry.installer()
        let chosen = client
        let error = await #expect(throws: MarketError.self) {
            for plan in try await installer.planUpdate("demo", clients: { _ in chosen }) { _ = try await installer.apply(plan, consent: { _ in true }) }
        }
        #expect(error?.code == expected, "\(error.map { "\($0)" } ?? "no error")")
        #expect(registry.homeTree() == before)
        if ["expiredTimestamp", "replayedSnapshot"].contains(kind) { #expect(try registry.stateBytes() == stateBefore) }
        #expect(!FileManager.default.fileExists(atPath: registry.folder.path("x").path))
    }
}

import Foundation
import MarketCore
import MarketRegistry
import Testing

@Suite struct RegistrySourceTests {
    @Test func foldersAndFileURLsShareOneStateFolder() throws {
        let state = URL(fileURLWithPath: "/var/lib/market")
        let path = try RegistrySource("/srv/registry/")
        let url = try RegistrySource("file:///srv/registry")
        #expect(path.location == "/srv/registry")
        #expect(path.stateFolder(in: state) == url.stateFolder(in: state))
        #expect(path.stateFolder(in: state).deletingLastPathComponent().path == "/var/lib/market/registries")
        #expect(try RegistrySource("https://plugins.example.com/").location == "https://plugins.example.com")
    }

    @Test func otherSchemesAreREGISTRY_INVALID() {
        let error = #expect(throws: MarketError.self) { try RegistrySource("ftp://plugins.example.com") }
        #expect(error?.code == .registryInvalid)
    }

    @Test func aFirstContactWithoutARootIsKEY_UNTRUSTED() throws {
        let registry = try TestRegistry()
        let error = #expect(throws: MarketError.self) {
            try RegistryClient.open(RegistrySource(registry.tree.path), stateDirectory: registry.folder.path("home"), root: nil)
        }
        #expect(error?.code == .keyUntrusted)
    }

    @Test func theRootIsTrustedOnceAndThenNotNeeded() async throws {
        let registry = try TestRegistry()
        let source = try RegistrySource(registry.tree.path)
        let home = registry.folder.path("home")
        _ = try await RegistryClient.open(source, stateDirectory: home, root: registry.tree.appendingPathComponent("root.json"), now: registry.now).update()
        let verified = try await RegistryClient.open(source, stateDirectory: home, root: nil, now: registry.now).update()
        #expect(verified.root.version == 1)
    }

    @Test func aRootNotSignedByItsOwnKeysIsNotTrusted() throws {
        let registry = try TestRegistry()
        let forged = try SignedEnvelope(signing: RootMetadata(version: 1, expires: registry.now.addingTimeInterval(3600), keys: [registry.rootKey.publicKey],
                                                              roles: [.root: RoleKeys(keyids: [registry.rootKey.id])]), with: [SigningKey.generate()])
        let file = registry.folder.path("forged-root.json")
        try forged.fileData().write(to: file)
        let error = #expect(throws: MarketError.self) {
            try RegistryClient.open(RegistrySource(registry.tree.path), stateDirectory: registry.folder.path("home"), root: file)
        }
        #expect(error?.code == .keyUntrusted)
    }
}

@Suite struct CatalogSearchTests {
    let catalog = CatalogMetadata(version: 1, plugins: [
        .init(id: "acme-crm", name: "Acme CRM", summary: "Syncs leads to Acme.", latest: "1.0.0", kinds: ["tools"]),
        .init(id: "dice", name: "Dice", summary: "Rolls dice.", latest: "2.0.0", kinds: ["tools"]),
    ])

    @Test func searchMatchesIdNameAndSummaryIgnoringCase() {
        #expect(catalog.search("crm").map(\.id) == ["acme-crm"])
        #expect(catalog.search("LEADS").map(\.id) == ["acme-crm"])
        #expect(catalog.search("rolls").map(\.id) == ["dice"])
        #expect(catalog.search("zzz").isEmpty)
    }

    @Test func anEmptySearchListsEveryPlugin() {
        #expect(catalog.search("  ").count == 2)
    }
}

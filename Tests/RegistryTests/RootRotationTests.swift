import Foundation
import MarketCore
import MarketRegistry
import Testing

@Suite struct RootRotationTests {
    /// Root version `version` with `rootKey` as root key and the registry's online keys.
    private func root(_ version: Int, rootKey: SigningKey, registry: TestRegistry) -> RootMetadata {
        let online = RoleKeys(keyids: [registry.onlineKey.id])
        return RootMetadata(version: version, expires: registry.now.addingTimeInterval(Expiry.root), keys: [rootKey.publicKey, registry.onlineKey.publicKey],
                            roles: [.root: RoleKeys(keyids: [rootKey.id]), .timestamp: online, .snapshot: online, .index: online])
    }

    @Test func theClientFollowsRotationsOneVersionAtATime() async throws {
        let registry = try TestRegistry()
        _ = try await registry.client().update()
        let second = SigningKey.generate()
        let third = SigningKey.generate()
        try RegistryWriter.writeRoot(root(2, rootKey: second, registry: registry), signedBy: [registry.rootKey, second], in: registry.tree)
        try RegistryWriter.writeRoot(root(3, rootKey: third, registry: registry), signedBy: [second, third], in: registry.tree)
        let verified = try await registry.client().update()
        #expect(verified.root.version == 3)
        #expect(try TrustedState(folder: registry.stateFolder).root().keys(for: .root).keyids == [third.id])
    }

    @Test func aNewRootNotSignedByTheOldRootKeysIsRefusedAndTheOldRootStays() async throws {
        let registry = try TestRegistry()
        _ = try await registry.client().update()
        let before = try registry.stateBytes()
        let attacker = SigningKey.generate()
        try RegistryWriter.writeRoot(root(2, rootKey: attacker, registry: registry), signedBy: [attacker], in: registry.tree)
        let error = await #expect(throws: MarketError.self) { try await registry.client().update() }
        #expect(error?.code == .keyUntrusted)
        #expect(try registry.stateBytes() == before)
    }

    @Test func aNewRootNotSignedByItsOwnKeysIsRefused() async throws {
        let registry = try TestRegistry()
        let second = SigningKey.generate()
        try RegistryWriter.writeRoot(root(2, rootKey: second, registry: registry), signedBy: [registry.rootKey], in: registry.tree)
        let error = await #expect(throws: MarketError.self) { try await registry.client().update() }
        #expect(error?.code == .keyUntrusted)
        #expect(try TrustedState(folder: registry.stateFolder).root().version == 1)
    }

    @Test func aRootFileWhoseVersionIsNotTheNextIsROLLBACK() async throws {
        let registry = try TestRegistry()
        let second = SigningKey.generate()
        let stale = root(1, rootKey: second, registry: registry)
        let data = try SignedEnvelope(signing: stale, with: [registry.rootKey, second]).fileData()
        try FileManager.default.createDirectory(at: registry.tree.appendingPathComponent("roots"), withIntermediateDirectories: true)
        try data.write(to: registry.tree.appendingPathComponent("roots/2.json"))
        let error = await #expect(throws: MarketError.self) { try await registry.client().update() }
        #expect(error?.code == .rollback)
        #expect(try TrustedState(folder: registry.stateFolder).root().version == 1)
    }

    @Test func anExpiredRootIsMETA_EXPIRED() async throws {
        let registry = try TestRegistry()
        let error = await #expect(throws: MarketError.self) { try await registry.client(now: registry.now.addingTimeInterval(Expiry.root + 60)).update() }
        #expect(error?.code == .metadataExpired)
    }

    @Test func aRotationToAnExpiredRootIsMETA_EXPIREDAndTheStateIsUnchanged() async throws {
        let registry = try TestRegistry()
        _ = try await registry.client().update()
        let before = try registry.stateBytes()
        let second = SigningKey.generate()
        var expired = root(2, rootKey: second, registry: registry)
        expired.expires = Expiry.text(registry.now.addingTimeInterval(-60))
        try RegistryWriter.writeRoot(expired, signedBy: [registry.rootKey, second], in: registry.tree)
        let error = await #expect(throws: MarketError.self) { try await registry.client().update() }
        #expect(error?.code == .metadataExpired)
        #expect(try registry.stateBytes() == before)
        #expect(try TrustedState(folder: registry.stateFolder).root().version == 1)
    }

    @Test func aRotationIsTrustedOnlyOnceTheTimestampAndSnapshotVerify() async throws {
        let registry = try TestRegistry()
        _ = try await registry.client().update()
        let before = try registry.stateBytes()
        let second = SigningKey.generate()
        try RegistryWriter.writeRoot(root(2, rootKey: second, registry: registry), signedBy: [registry.rootKey, second], in: registry.tree)
        try FileManager.default.removeItem(at: registry.tree.appendingPathComponent(RegistryLayout.snapshot))
        let error = await #expect(throws: MarketError.self) { try await registry.client().update() }
        #expect(error?.code == .notFound)
        #expect(try registry.stateBytes() == before)
    }
}

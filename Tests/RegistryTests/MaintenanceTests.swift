import Foundation
import MarketCore
import MarketRegistry
import Testing

/// Uninstall, rollback, verify, outdated and update against a registry in a folder. Every
/// refusal leaves the install tree and market.lock byte for byte as they were.
@Suite struct MaintenanceTests {
    private func clients(_ registry: TestRegistry) -> Installer.ClientForRegistry {
        { _ in try registry.client() }
    }

    @Test func uninstallRemovesTheFolderAndTheLockEntry() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        try registry.publish("other", "1.0.0")
        try await registry.install("demo")
        try await registry.install("other")
        let removed = try registry.installer().uninstall("demo")
        #expect(removed.version == "1.0.0")
        #expect(try registry.lock().plugins.keys.sorted() == ["other"])
        #expect(!FileManager.default.fileExists(atPath: registry.home.appendingPathComponent("plugins/demo").path))
        #expect(TemporaryFolder.listing(registry.home.appendingPathComponent("plugins")).allSatisfy { !$0.hasPrefix(".removed") })
    }

    @Test func uninstallRefusesWhatIsNotInstalledOrStillNeeded() async throws {
        let registry = try TestRegistry()
        try registry.publish("base", "1.0.0")
        try registry.publish("demo", "1.0.0", dependencies: ["base": "^1.0"])
        try await registry.install("demo")
        let before = registry.homeTree()
        let needed = #expect(throws: MarketError.self) { try registry.installer().uninstall("base") }
        #expect(needed?.code == .dependencyNeeded)
        #expect(needed?.message == "base is needed by demo 1.0.0")
        let missing = #expect(throws: MarketError.self) { try registry.installer().uninstall("ghost") }
        #expect(missing?.code == .notInstalled)
        #expect(registry.homeTree() == before)
    }

    @Test func rollbackSwitchesBackAndForth() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        try await registry.install("demo")
        try registry.publish("demo", "1.1.0")
        try await registry.install("demo")
        #expect(registry.current("demo") == "1.1.0")
        let back = try registry.installer().rollback("demo")
        #expect(back.version == "1.0.0")
        #expect(back.previous?.version == "1.1.0")
        #expect(registry.current("demo") == "1.0.0")
        #expect(try registry.lock().plugins["demo"]?.version == "1.0.0")
        #expect(try registry.installer().verify().allSatisfy { $0.problem == nil })
        #expect(try registry.installer().rollback("demo").version == "1.1.0")
        #expect(registry.current("demo") == "1.1.0")
    }

    @Test func onlyTheCurrentAndPreviousVersionsStayOnDisk() async throws {
        let registry = try TestRegistry()
        for version in ["1.0.0", "1.1.0", "1.2.0"] {
            try registry.publish("demo", version)
            try await registry.install("demo")
        }
        let kept = TemporaryFolder.listing(registry.home.appendingPathComponent("plugins/demo")).filter { !$0.contains("/") }
        #expect(kept == ["1.1.0", "1.2.0", "current"])
    }

    @Test func rollbackRefusesWithoutAnEarlierVersionOrWithADamagedOne() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        try await registry.install("demo")
        var before = registry.homeTree()
        let nothing = #expect(throws: MarketError.self) { try registry.installer().rollback("demo") }
        #expect(nothing?.code == .notFound)
        #expect(registry.homeTree() == before)

        try registry.publish("demo", "1.1.0")
        try await registry.install("demo")
        try Data("tampered".utf8).write(to: registry.home.appendingPathComponent("plugins/demo/1.0.0/libdemo.so"))
        before = registry.homeTree()
        let damaged = #expect(throws: MarketError.self) { try registry.installer().rollback("demo") }
        #expect(damaged?.code == .installDamaged)
        #expect(registry.homeTree() == before)
    }

    @Test func rollbackRefusesToBreakADependent() async throws {
        let registry = try TestRegistry()
        try registry.publish("base", "1.0.0")
        try await registry.install("base")
        try registry.publish("base", "2.0.0")
        try await registry.install("base", "^2.0")
        try registry.publish("demo", "1.0.0", dependencies: ["base": "^2.0"])
        try await registry.install("demo")
        let before = registry.homeTree()
        let error = #expect(throws: MarketError.self) { try registry.installer().rollback("base") }
        #expect(error?.code == .dependencyNeeded)
        #expect(error?.message.contains("because the installed demo needs base ^2.0") == true)
        #expect(registry.homeTree() == before)
    }

    @Test func verifyFindsChangedMissingAndAddedFiles() async throws {
        let registry = try TestRegistry()
        for id in ["changed", "missing", "added", "sound"] {
            try registry.publish(id, "1.0.0")
            try await registry.install(id)
        }
        let plugins = registry.home.appendingPathComponent("plugins")
        try Data("patched".utf8).write(to: plugins.appendingPathComponent("changed/1.0.0/libchanged.so"))
        try FileManager.default.removeItem(at: plugins.appendingPathComponent("missing/1.0.0/README.md"))
        try Data("extra".utf8).write(to: plugins.appendingPathComponent("added/1.0.0/extra.so"))
        let results = Dictionary(uniqueKeysWithValues: try registry.installer().verify().map { ($0.id, $0.problem) })
        #expect(results["sound"] == .some(nil))
        #expect(results["changed"]??.contains("'libchanged.so' does not match") == true)
        #expect(results["missing"]??.contains("lacks 'README.md'") == true)
        #expect(results["added"]??.contains("holds 'extra.so'") == true)
        try await registry.install("changed", "=1.0.0")
        #expect(try registry.installer().verify().first { $0.id == "changed" }?.problem == nil)
    }

    @Test func outdatedAndUpdateStayInTheLockedRange() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        try await registry.install("demo")
        try registry.publish("demo", "1.2.0")
        try registry.publish("demo", "2.0.0")
        let installer = registry.installer()
        let outdated = try await installer.outdated(clients: clients(registry))
        #expect(outdated.map { [$0.id, $0.installed, $0.wanted, $0.latest, $0.registry] } == [["demo", "1.0.0", "1.2.0", "2.0.0", "test"]])
        #expect(outdated.first?.isOutdated == true)
        let plans = try await installer.planUpdate(nil, clients: clients(registry))
        #expect(plans.flatMap(\.steps).map { "\($0.id) \($0.replacing?.version ?? "") -> \($0.version)" } == ["demo 1.0.0 -> 1.2.0"])
        for plan in plans { _ = try await installer.apply(plan, consent: { _ in false }) }
        #expect(registry.current("demo") == "1.2.0")
        #expect(try registry.lock().plugins["demo"]?.range == "^1.0.0")
    }

    @Test func anUpdateThatChangesPermissionsShowsTheDifferenceAndNeedsConsent() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        try await registry.install("demo")
        try registry.publish("demo", "1.1.0", network: "*.tracker.example")
        let installer = registry.installer()
        let before = registry.homeTree()
        let plan = try #require(try await installer.planUpdate("demo", clients: clients(registry)).first)
        #expect(plan.steps.first?.changesPermissions == true)
        let asked = Asked()
        let error = await #expect(throws: MarketError.self) { try await installer.apply(plan, consent: { changes in asked.record(changes); return false }) }
        #expect(error?.code == .permissionsChanged)
        #expect(error?.message.contains("+ network: *.tracker.example") == true)
        #expect(error?.message.contains("- network: api.example.com") == true)
        #expect(asked.changes == [PermissionChange(id: "demo", from: "1.0.0", to: "1.1.0", old: .init(network: ["api.example.com"]), new: .init(network: ["*.tracker.example"]))])
        #expect(registry.homeTree() == before)
        _ = try await installer.apply(plan, consent: { _ in true })
        #expect(registry.current("demo") == "1.1.0")
    }

    @Test func anUpdateWhoseProbeFailsOrWhoseArtifactIsTamperedChangesNothing() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        try await registry.install("demo")
        try registry.publish("demo", "1.1.0")
        let before = registry.homeTree()
        let crashing = registry.installer { _ in throw MarketError(.probeFailed, "the plugin crashed while loading") }
        let plan = try #require(try await crashing.planUpdate(nil, clients: clients(registry)).first)
        let probe = await #expect(throws: MarketError.self) { try await crashing.apply(plan, consent: { _ in true }) }
        #expect(probe?.code == .probeFailed)
        #expect(registry.homeTree() == before)

        try registry.replaceArtifact("demo", "1.1.0", with: Data("not a package".utf8))
        let stored = try #require(TemporaryFolder.listing(registry.tree.appendingPathComponent("artifacts")).first { $0.contains("1.1.0") })
        try Data("altered".utf8).write(to: registry.tree.appendingPathComponent("artifacts/\(stored)"))
        let tampered = await #expect(throws: MarketError.self) {
            for plan in try await registry.installer().planUpdate("demo", clients: clients(registry)) { _ = try await registry.installer().apply(plan, consent: { _ in true }) }
        }
        #expect(tampered?.code == .hashMismatch)
        #expect(registry.homeTree() == before)
    }

    @Test func aPackageFileNeedsATrustedPublisher() async throws {
        let registry = try TestRegistry()
        let source = try PluginFixture.make(in: registry.folder.path("src"), id: "local", version: "0.3.0")
        let package = try PackageWriter.pack(source, signedWith: registry.publisherKey, into: registry.folder.path("dist"))
        try FileManager.default.createDirectory(at: registry.home, withIntermediateDirectories: true)
        let installer = registry.installer()
        let untrusted = #expect(throws: MarketError.self) { try installer.plan(file: package.url, publishers: [:]) }
        #expect(untrusted?.code == .keyUntrusted)
        #expect(untrusted?.fix.contains("market trust add") == true)
        let (plan, manifest) = try installer.plan(file: package.url, publishers: [registry.publisherKey.id: registry.publisherKey.publicKey])
        #expect(manifest.id == "local")
        #expect(try await installer.apply(plan, consent: { _ in false }) == [.installed(id: "local", version: "0.3.0")])
        let entry = try #require(try registry.lock().plugins["local"])
        #expect(entry.isFromFile)
        #expect(entry.artifacts.values.first?.sha256 == FileMeta(version: 0, data: try Data(contentsOf: package.url)).sha256)
        #expect(try installer.verify().first?.problem == nil)
    }

    @Test func offlineInstallReadsTheCacheAndAcceptsAnExpiredTimestamp() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        let source = try RegistrySource(registry.tree.path)
        let online = try RegistryClient.open(source, stateDirectory: registry.home, root: registry.tree.appendingPathComponent("root.json"), now: registry.now)
        let installer = registry.installer()
        _ = try await installer.install("demo", range: nil, from: online, source: source.location)
        _ = try installer.uninstall("demo")
        let later = registry.now.addingTimeInterval(3 * 86_400)
        let stale = try RegistryClient.open(source, stateDirectory: registry.home, root: nil, now: later)
        let expired = await #expect(throws: MarketError.self) { try await installer.install("demo", range: nil, from: stale, source: source.location) }
        #expect(expired?.code == .metadataExpired)
        try FileManager.default.removeItem(at: registry.tree)
        let offline = try RegistryClient.open(source, stateDirectory: registry.home, root: nil, offline: true, now: later)
        #expect(try await installer.install("demo", range: nil, from: offline, source: source.location) == .installed(id: "demo", version: "1.0.0"))
        #expect(try installer.verify().first?.problem == nil)
    }
}

/// The changes a consent callback was shown.
private final class Asked: @unchecked Sendable {
    // Written once by the callback before the install returns, read after it.
    var changes: [PermissionChange] = []
    func record(_ changes: [PermissionChange]) { self.changes = changes }
}

import Foundation
import MarketCore
import MarketRegistry
import PluginRuntime
import Testing

/// The install transaction against a registry in a folder. The fixture libraries are not
/// loadable, so the probe here only checks the extracted folder; CommandLineTests probe real
/// plugins in a child process.
@Suite struct InstallerTests {
    private func installer(_ registry: TestRegistry, probe: @escaping Installer.Probe = { folder in
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("plugin.json").path) else { throw MarketError(.probeFailed, "no plugin.json") }
    }) -> Installer {
        Installer(folder: registry.folder.path("home"), probe: probe)
    }

    /// Every file under the install folder with its bytes (symlinks as their targets).
    private func installedTree(_ registry: TestRegistry) throws -> [String: Data] {
        let home = registry.folder.path("home")
        var result: [String: Data] = [:]
        for path in TemporaryFolder.listing(home) {
            let url = home.appendingPathComponent(path)
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: url.path) {
                result[path] = Data("-> \(target)".utf8)
            } else if let data = try? Data(contentsOf: url) {
                result[path] = data
            } else {
                result[path] = Data()
            }
        }
        return result
    }

    @Test func installExtractsSwitchesCurrentAndWritesTheLock() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        let outcome = try await installer(registry).install("demo", range: nil, from: registry.client(), source: "test")
        #expect(outcome == .installed(id: "demo", version: "1.0.0"))
        let home = registry.folder.path("home")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: home.appendingPathComponent("plugins/demo/current").path) == "1.0.0")
        #expect(FileManager.default.fileExists(atPath: home.appendingPathComponent("plugins/demo/1.0.0/libdemo.so").path))
        let lock = try LockFile.read(in: home)
        #expect(lock.plugins["demo"]?.version == "1.0.0")
        #expect(lock.plugins["demo"]?.publisher == registry.publisherKey.id)
        #expect(lock.plugins["demo"]?.artifacts.keys.sorted() == [Platform.host().description])
        #expect(TemporaryFolder.listing(home.appendingPathComponent("plugins")).allSatisfy { !$0.contains(".staging") })
    }

    @Test func theHighestVersionInTheRangeIsChosenAndCurrentMovesOnUpdate() async throws {
        let registry = try TestRegistry()
        for version in ["1.0.0", "1.4.0", "2.0.0"] { try registry.publish("demo", version) }
        let installer = installer(registry)
        #expect(try await installer.install("demo", range: VersionRange("~1.0"), from: registry.client(), source: "test") == .installed(id: "demo", version: "1.0.0"))
        #expect(try await installer.install("demo", range: VersionRange("^1.0"), from: registry.client(), source: "test") == .installed(id: "demo", version: "1.4.0"))
        #expect(try await installer.install("demo", range: VersionRange("^1.0"), from: registry.client(), source: "test") == .alreadyInstalled(id: "demo", version: "1.4.0"))
        let home = registry.folder.path("home")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: home.appendingPathComponent("plugins/demo/current").path) == "1.4.0")
        #expect(FileManager.default.fileExists(atPath: home.appendingPathComponent("plugins/demo/1.0.0").path))
    }

    @Test func aFailedProbeLeavesTheTreeAndLockAsTheyWere() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        try registry.publish("demo", "1.1.0")
        _ = try await installer(registry).install("demo", range: VersionRange("=1.0.0"), from: registry.client(), source: "test")
        let before = try installedTree(registry)
        let crashing = installer(registry) { _ in throw MarketError(.probeFailed, "the plugin crashed while loading") }
        let error = await #expect(throws: MarketError.self) { try await crashing.install("demo", range: nil, from: registry.client(), source: "test") }
        #expect(error?.code == .probeFailed)
        #expect(try installedTree(registry) == before)
    }

    @Test func aTamperedArtifactIsHASH_MISMATCHAndNothingIsInstalled() async throws {
        let registry = try TestRegistry()
        let package = try registry.publish("demo", "1.0.0")
        let stored = registry.tree.appendingPathComponent("artifacts/\(package.lastPathComponent)")
        var bytes = try Data(contentsOf: stored)
        bytes[bytes.count - 10] ^= 0x01
        try bytes.write(to: stored)
        try FileManager.default.createDirectory(at: registry.folder.path("home"), withIntermediateDirectories: true)
        let error = await #expect(throws: MarketError.self) { try await installer(registry).install("demo", range: nil, from: registry.client(), source: "test") }
        #expect(error?.code == .hashMismatch)
        #expect(TemporaryFolder.listing(registry.folder.path("home")).allSatisfy { $0 == "plugins" })
    }

    /// Hostile packages served with valid metadata (a compromised registry key): extraction
    /// refuses each, and the installed tree and lock stay as they were.
    @Test(arguments: ["dotdot", "absolute", "symlink", "manyFiles", "tenGigabytes"])
    func aHostilePackageIsRefusedAndNothingChanges(_ kind: String) async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        try registry.publish("demo", "1.1.0")
        _ = try await installer(registry).install("demo", range: VersionRange("=1.0.0"), from: registry.client(), source: "test")
        let before = try installedTree(registry)
        let hostile = registry.folder.path("hostile.mkpkg")
        switch kind {
        case "dotdot": try ArchiveBuilder.write([.file("plugin.json", Data("{}".utf8)), .file("../../x", Data("escaped".utf8))], to: hostile)
        case "absolute": try ArchiveBuilder.write([.file("/tmp/market-escaped-\(UUID().uuidString)", Data("escaped".utf8))], to: hostile)
        case "symlink": try ArchiveBuilder.write([.symlink("lib", to: "/etc"), .file("lib/x", Data("escaped".utf8))], to: hostile)
        case "manyFiles": try ArchiveBuilder.write((0..<100_000).map { .file("f\($0)", Data()) }, to: hostile)
        default: try ArchiveBuilder.writeDeclaringSize(10 << 30, path: "libdemo.so", to: hostile)
        }
        try registry.replaceArtifact("demo", "1.1.0", with: Data(contentsOf: hostile))
        let error = await #expect(throws: MarketError.self) { try await installer(registry).install("demo", range: nil, from: registry.client(), source: "test") }
        #expect(error?.code == .packageUnsafe)
        #expect(try installedTree(registry) == before)
        #expect(!FileManager.default.fileExists(atPath: registry.folder.path("x").path))
    }

    @Test func aPackageByAnotherPublisherThanTheIndexNamesIsKEY_UNTRUSTED() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        let source = try PluginFixture.make(in: registry.folder.path("other"), id: "demo", version: "1.0.0")
        let impostor = try PackageWriter.pack(source, signedWith: SigningKey.generate(), into: registry.folder.path("other"))
        try registry.replaceArtifact("demo", "1.0.0", with: Data(contentsOf: impostor.url))
        try FileManager.default.createDirectory(at: registry.folder.path("home"), withIntermediateDirectories: true)
        let error = await #expect(throws: MarketError.self) { try await installer(registry).install("demo", range: nil, from: registry.client(), source: "test") }
        #expect(error?.code == .keyUntrusted)
        #expect(!FileManager.default.fileExists(atPath: registry.folder.path("home/market.lock").path))
    }

    @Test func aRegistryThatDropsTheConnectionMidDownloadLeavesNothingBehind() async throws {
        let registry = try TestRegistry()
        let package = try registry.publish("demo", "1.0.0")
        let server = try LoopbackServer(serving: registry.tree, truncating: "artifacts/\(package.lastPathComponent)")
        defer { server.stop() }
        _ = try registry.client()
        let client = RegistryClient(transport: HTTPTransport(base: server.baseURL, connectTimeout: .seconds(2), timeout: .seconds(5), retries: 1),
                                    state: TrustedState(folder: registry.stateFolder), now: registry.now)
        try FileManager.default.createDirectory(at: registry.folder.path("home"), withIntermediateDirectories: true)
        let error = await #expect(throws: MarketError.self) { try await installer(registry).install("demo", range: nil, from: client, source: "test") }
        #expect(error?.code == .fetchFailed)
        #expect(TemporaryFolder.listing(registry.folder.path("home")).allSatisfy { $0 == "plugins" })
    }

    @Test func changedPermissionsNeedConsent() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        try registry.publish("demo", "1.1.0", network: "*.tracker.example")
        let installer = installer(registry)
        _ = try await installer.install("demo", range: VersionRange("=1.0.0"), from: registry.client(), source: "test")
        let before = try installedTree(registry)
        let error = await #expect(throws: MarketError.self) { try await installer.install("demo", range: nil, from: registry.client(), source: "test") }
        #expect(error?.code == .permissionsChanged)
        #expect(try installedTree(registry) == before)
        #expect(try await installer.install("demo", range: nil, from: registry.client(), source: "test", consent: true) == .installed(id: "demo", version: "1.1.0"))
    }
}

@Suite struct VersionChoiceTests {
    /// An index with versions given as (version, abi, platforms, yanked).
    private func index(_ versions: [(String, String, [String], Bool)]) throws -> IndexMetadata {
        let entries = versions.map { version, abi, platforms, yanked in
            let artifacts = platforms.map { key in
                let parts = key.split(separator: "-", maxSplits: 2).map(String.init)
                let toolchain = parts.count > 2 ? ", \"toolchain\": \"\(parts[2])\"" : ""
                return "\"\(key)\": {\"os\": \"\(parts[0])\", \"arch\": \"\(parts[1])\"\(toolchain), \"file\": \"artifacts/x\", \"sha256\": \"00\", \"size\": 1}"
            }.joined(separator: ", ")
            return """
            {"version": "\(version)", "name": "Demo", "summary": "s", "kinds": ["tools"], "abi": "\(abi)", "permissions": "p",
             "publisher": "k", "artifacts": {\(artifacts)}, "yanked": \(yanked)}
            """
        }
        let json = "{\"type\": \"index\", \"id\": \"demo\", \"version\": 1, \"publishers\": {}, \"versions\": [\(entries.joined(separator: ","))]}"
        return try JSONDecoder().decode(IndexMetadata.self, from: Data(json.utf8))
    }

    private let host = Platform(os: "linux", arch: "x86_64", toolchain: "swift-6.3.1")
    private let abi = SemanticVersion(1, 0, 0)

    @Test func theHighestMatchingReleaseWins() throws {
        let index = try index([("1.0.0", "^1.0", ["linux-x86_64"], false), ("1.2.0", "^1.0", ["linux-x86_64"], false), ("2.0.0-beta.1", "^1.0", ["linux-x86_64"], false)])
        #expect(try VersionChoice.choose(from: index, range: nil, host: host, hostABI: abi).version.version == "1.2.0")
        #expect(try VersionChoice.choose(from: index, range: VersionRange("~1.0"), host: host, hostABI: abi).version.version == "1.0.0")
    }

    @Test func yankedVersionsAreSkipped() throws {
        let index = try index([("1.0.0", "^1.0", ["linux-x86_64"], false), ("1.1.0", "^1.0", ["linux-x86_64"], true)])
        #expect(try VersionChoice.choose(from: index, range: nil, host: host, hostABI: abi).version.version == "1.0.0")
        let error = #expect(throws: MarketError.self) { try VersionChoice.choose(from: index, range: VersionRange("=1.1.0"), host: host, hostABI: abi) }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("yanked") == true)
    }

    @Test func anABIIncompatibleVersionIsABI_INCOMPATIBLE() throws {
        let index = try index([("3.0.0", "^2.0", ["linux-x86_64"], false)])
        let error = #expect(throws: MarketError.self) { try VersionChoice.choose(from: index, range: nil, host: host, hostABI: abi) }
        #expect(error?.code == .abiIncompatible)
    }

    @Test func aVersionForAnotherPlatformIsNO_PLATFORM() throws {
        let index = try index([("1.0.0", "^1.0", ["linux-aarch64", "linux-x86_64-swift-6.2.0"], false)])
        let error = #expect(throws: MarketError.self) { try VersionChoice.choose(from: index, range: nil, host: host, hostABI: abi) }
        #expect(error?.code == .noPlatform)
    }

    @Test func aSwiftBuildNeedsTheHostsToolchain() throws {
        let index = try index([("1.0.0", "^1.0", ["linux-x86_64-swift-6.2.0"], false), ("0.9.0", "^1.0", ["linux-x86_64-swift-6.3.1"], false)])
        #expect(try VersionChoice.choose(from: index, range: nil, host: host, hostABI: abi).version.version == "0.9.0")
    }
}

import Foundation
import MarketTestSupport
import Testing

/// The registry commands run as a user runs them: the built `market` executable.
@Suite struct CommandLineTests {
    /// Runs the built `market` in `directory`.
    func market(_ arguments: [String], in directory: URL) async throws -> ProcessOutput {
        try await runProcess(buildProductsDirectory.appendingPathComponent("market").path, arguments, in: directory)
    }

    @Test func keygenPackRegistryBuildSearchAndInfo() async throws {
        let folder = try TemporaryFolder()
        let plugins = folder.path("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: try PluginFixture.make(in: folder.url, id: "acme-crm"), to: plugins.appendingPathComponent("acme-crm"))

        let keygen = try await market(["keygen", "--out", "keys", "--name", "online"], in: folder.url)
        #expect(keygen.status == 0)
        let stored = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.path("keys/online.key"))) as? [String: Any]
        let secret = try #require(stored?["private"] as? String)
        #expect(!keygen.stdout.contains(secret) && !keygen.stderr.contains(secret))
        #expect(try await market(["keygen", "--out", "keys", "--name", "root"], in: folder.url).status == 0)

        // The fixture's library is arbitrary bytes: packed without the probe (a test of it is below).
        let pack = try await market(["pack", "plugins/acme-crm", "--key", "keys/online.key", "--out", "dist", "--no-probe"], in: folder.url)
        #expect(pack.status == 0)
        #expect(pack.stdout.contains("acme-crm-1.0.0-linux-"))

        #expect(try await market(["registry", "init", "site", "--root-key", "keys/root.key", "--key", "keys/online.key"], in: folder.url).status == 0)
        let build = try await market(["registry", "build", "site", "--key", "keys/online.key", "--plugins", "plugins", "--no-probe"], in: folder.url)
        #expect(build.stdout.contains("published acme-crm 1.0.0"))
        let again = try await market(["publish", try #require(TemporaryFolder.listing(folder.path("dist")).first.map { "dist/\($0)" }), "--registry", "site", "--key", "keys/online.key"], in: folder.url)
        #expect(again.status != 0)
        #expect(again.stderr.contains("VERSION_EXISTS"))

        let search = try await market(["search", "acme", "--registry", "site", "--root", "site/root.json", "--state-dir", "home"], in: folder.url)
        #expect(search.status == 0)
        #expect(search.stdout.contains("acme-crm 1.0.0"))

        #expect(try await market(["yank", "acme-crm@1.0.0", "--reason", "broken", "--registry", "site", "--key", "keys/online.key"], in: folder.url).status == 0)
        let info = try await market(["info", "acme-crm", "--registry", "site", "--state-dir", "home"], in: folder.url)
        #expect(info.status == 0)
        #expect(info.stdout.contains("YANKED: broken"))
    }

    @Test func textFromARegistryReachesTheTerminalEscaped() async throws {
        let folder = try TemporaryFolder()
        let plugins = folder.path("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        let source = try PluginFixture.make(in: folder.url, id: "acme-crm")
        let manifest = source.appendingPathComponent("plugin.json")
        let hostile = try String(contentsOf: manifest, encoding: .utf8)
            .replacingOccurrences(of: "A plugin for registry tests.", with: #"Clears \u001b[2J the screen \u202Edesrever"#)
        try Data(hostile.utf8).write(to: manifest)
        try FileManager.default.moveItem(at: source, to: plugins.appendingPathComponent("acme-crm"))
        #expect(try await market(["keygen", "--out", "keys", "--name", "online"], in: folder.url).status == 0)
        #expect(try await market(["keygen", "--out", "keys", "--name", "root"], in: folder.url).status == 0)
        #expect(try await market(["registry", "init", "site", "--root-key", "keys/root.key", "--key", "keys/online.key"], in: folder.url).status == 0)
        #expect(try await market(["registry", "build", "site", "--key", "keys/online.key", "--plugins", "plugins", "--no-probe"], in: folder.url).status == 0)

        let search = try await market(["search", "acme", "--registry", "site", "--root", "site/root.json", "--state-dir", "home"], in: folder.url)
        let info = try await market(["info", "acme-crm", "--registry", "site", "--state-dir", "home"], in: folder.url)
        for output in [search, info] {
            #expect(output.status == 0)
            #expect(!output.stdout.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{202E}" }, "\(output.stdout)")
            #expect(output.stdout.contains(#"Clears \u{1B}[2J the screen \u{202E}desrever"#), "\(output.stdout)")
        }
        let bad = try await market(["install", "../../config", "--registry", "site", "--state-dir", "home"], in: folder.url)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("PLUGIN_ID_INVALID"))
    }

    @Test func aClientWithoutATrustedRootSaysHowToGetOne() async throws {
        let folder = try TemporaryFolder()
        let search = try await market(["search", "--registry", "site", "--state-dir", "home"], in: folder.url)
        #expect(search.status == 1)
        #expect(search.stderr.contains("KEY_UNTRUSTED"))
        #expect(search.stderr.contains("fix: pass --root"))
    }

    @Test func theHelpListsTheRegistryCommands() async throws {
        let help = try await market(["--help"], in: FileManager.default.temporaryDirectory)
        for command in ["keygen", "pack", "publish", "yank", "registry", "search", "info", "install"] {
            #expect(help.stdout.contains("  \(command)"), "\(command) is missing from market --help")
        }
    }

    /// The first-party plugins as scripts/build-plugins.sh leaves them.
    static let builtPlugins = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/market-plugins")

    @Test func installProbesARealPluginInAChildProcessAndSwitchesItIn() async throws {
        let folder = try TemporaryFolder()
        #expect(try await market(["keygen", "--out", "keys", "--name", "k"], in: folder.url).status == 0)
        #expect(try await market(["registry", "init", "site", "--root-key", "keys/k.key"], in: folder.url).status == 0)
        let build = try await market(["registry", "build", "site", "--key", "keys/k.key", "--plugins", Self.builtPlugins.path], in: folder.url)
        #expect(build.stdout.contains("published textkit"), "build the plugins first: scripts/build-plugins.sh")
        let install = try await market(["install", "textkit@^1.0", "--registry", "site", "--root", "site/root.json", "--state-dir", "home"], in: folder.url)
        #expect(install.status == 0, "\(install.stderr)")
        let current = try FileManager.default.destinationOfSymbolicLink(atPath: folder.path("home/plugins/textkit/current").path)
        #expect(FileManager.default.fileExists(atPath: folder.path("home/plugins/textkit/\(current)/plugin.json").path))
        #expect(try String(contentsOf: folder.path("home/market.lock"), encoding: .utf8).contains("\"textkit\""))
    }

    /// A folder with `plugins/broken` (a fixture whose library is arbitrary bytes), a key
    /// `keys/k.key` and an empty registry `site`.
    func brokenPluginAndEmptyRegistry() async throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        let plugins = folder.path("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: try PluginFixture.make(in: folder.url, id: "broken"), to: plugins.appendingPathComponent("broken"))
        #expect(try await market(["keygen", "--out", "keys", "--name", "k"], in: folder.url).status == 0)
        #expect(try await market(["registry", "init", "site", "--root-key", "keys/k.key"], in: folder.url).status == 0)
        return folder
    }

    /// A library that cannot load is refused before it is packed or published, so its version
    /// number is not burnt: pack writes no file, and publish and registry build leave the tree.
    @Test func packAndPublishRefuseALibraryThatDoesNotLoad() async throws {
        let folder = try await brokenPluginAndEmptyRegistry()
        // The registry's lock file appears at the first locked write; everything else must stay.
        func tree() -> [String: Data?] {
            Dictionary(uniqueKeysWithValues: TemporaryFolder.listing(folder.path("site")).filter { $0 != ".market-lock" }
                .map { ($0, try? Data(contentsOf: folder.path("site/\($0)"))) })
        }
        let before = tree()

        let pack = try await market(["pack", "plugins/broken", "--key", "keys/k.key", "--out", "dist"], in: folder.url)
        #expect(pack.status == 1)
        #expect(pack.stderr.contains("PROBE_FAILED: the plugin did not load"), "\(pack.stderr)")
        #expect(pack.stderr.contains("nothing was packed or published"), "\(pack.stderr)")
        #expect(TemporaryFolder.listing(folder.path("dist")).isEmpty)

        let build = try await market(["registry", "build", "site", "--key", "keys/k.key", "--plugins", "plugins"], in: folder.url)
        #expect(build.status == 1)
        #expect(build.stderr.contains("PROBE_FAILED"), "\(build.stderr)")

        #expect(try await market(["pack", "plugins/broken", "--key", "keys/k.key", "--out", "dist", "--no-probe"], in: folder.url).status == 0)
        let file = try #require(TemporaryFolder.listing(folder.path("dist")).first)
        let publish = try await market(["publish", "dist/\(file)", "--registry", "site", "--key", "keys/k.key"], in: folder.url)
        #expect(publish.status == 1)
        #expect(publish.stderr.contains("PROBE_FAILED"), "\(publish.stderr)")
        #expect(tree() == before, "a refused publish or build left the registry tree as it was")
    }

    @Test func aPluginThatDoesNotLoadIsPROBE_FAILEDAndNothingIsInstalled() async throws {
        let folder = try await brokenPluginAndEmptyRegistry()
        #expect(try await market(["registry", "build", "site", "--key", "keys/k.key", "--plugins", "plugins", "--no-probe"], in: folder.url).status == 0)
        let install = try await market(["install", "broken", "--registry", "site", "--root", "site/root.json", "--state-dir", "home"], in: folder.url)
        #expect(install.status == 1)
        #expect(install.stderr.contains("PROBE_FAILED"))
        #expect(install.stderr.contains("the plugin did not load:"))
        #expect(!FileManager.default.fileExists(atPath: folder.path("home/market.lock").path))
        #expect(TemporaryFolder.listing(folder.path("home/plugins")) == [])
    }
}

import Foundation
import MarketTestSupport
import Testing

/// The whole flow as an operator and a user run it: `market registry build` of the
/// first-party plugins, the tree served over HTTP on loopback, then install, outdated,
/// update (with consent), verify, rollback, uninstall, and offline installs from the cache
/// and from a mirror folder. Every command runs with --json and prints one document.
@Suite struct EndToEndTests {
    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder()
    }

    func market(_ arguments: [String]) async throws -> ProcessOutput {
        try await runProcess(buildProductsDirectory.appendingPathComponent("market").path, arguments, in: folder.url)
    }

    /// Runs `market … --json` and parses the one document it prints.
    @discardableResult
    func json(_ arguments: [String], status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let output = try await market(arguments + ["--json"])
        #expect(output.status == status, "\(arguments): \(output.stdout) \(output.stderr)", sourceLocation: sourceLocation)
        let parsed = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
        return try #require(parsed, "\(arguments) printed \(output.stdout)", sourceLocation: sourceLocation)
    }

    func current(_ id: String, in home: String = "home") -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: folder.path("\(home)/plugins/\(id)/current").path)
    }

    /// The textkit plugin built from source as a new version asking for one more host.
    func textkit(version: String, extraHost: String) async throws -> URL {
        let plugins = folder.path("next-\(version)")
        let copy = plugins.appendingPathComponent("textkit")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CommandLineTests.builtPlugins.appendingPathComponent("textkit"), to: copy)
        let repository = CommandLineTests.builtPlugins.deletingLastPathComponent().deletingLastPathComponent()
        let source = try String(contentsOf: repository.appendingPathComponent("Plugins/textkit/textkit.c"), encoding: .utf8)
        let patched = folder.path("textkit-\(version).c")
        try source.replacingOccurrences(of: "\"textkit\", \"1.0.0\"", with: "\"textkit\", \"\(version)\"").write(to: patched, atomically: true, encoding: .utf8)
        let compiled = try await runProcess("/usr/bin/cc", ["-std=c11", "-O2", "-fPIC", "-shared", "-fvisibility=hidden", "-I", repository.appendingPathComponent("PluginAPI/include").path,
                                                             patched.path, "-o", copy.appendingPathComponent("libtextkit.so").path])
        #expect(compiled.status == 0, "\(compiled.stderr)")
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: copy.appendingPathComponent("plugin.json"))) as? [String: Any])
        manifest["version"] = version
        var permissions = manifest["permissions"] as? [String: Any] ?? [:]
        permissions["network"] = (permissions["network"] as? [String] ?? []) + [extraHost]
        manifest["permissions"] = permissions
        try JSONSerialization.data(withJSONObject: manifest).write(to: copy.appendingPathComponent("plugin.json"))
        return plugins
    }

    @Test func buildServeInstallUpdateRollbackUninstallAndInstallOffline() async throws {
        #expect(try await market(["keygen", "--out", "keys", "--name", "k"]).status == 0)
        #expect(try await market(["registry", "init", "site", "--root-key", "keys/k.key"]).status == 0)
        let built = try await json(["registry", "build", "site", "--key", "keys/k.key", "--plugins", CommandLineTests.builtPlugins.path])
        let published = (built["plugins"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(published.contains("textkit"), "build the plugins first: scripts/build-plugins.sh")
        let server = try LoopbackServer(serving: folder.path("site"))
        defer { server.stop() }

        let added = try await json(["registry", "add", "main", server.baseURL, "--root", "site/root.json", "--state-dir", "home"])
        #expect(added["status"] as? String == "added")
        let listed = try await json(["registry", "list", "--state-dir", "home"])
        #expect((listed["registries"] as? [[String: Any]])?.first?["url"] as? String == server.baseURL)

        let installed = try await json(["install", "textkit", "--state-dir", "home"])
        #expect((installed["plugins"] as? [[String: Any]])?.first?["status"] as? String == "installed")
        #expect(current("textkit") == "1.0.0")
        let list = try await json(["list", "--state-dir", "home"])
        #expect((list["plugins"] as? [[String: Any]])?.map { $0["id"] as? String } == ["textkit"])

        try await json(["registry", "build", "site", "--key", "keys/k.key", "--plugins", try await textkit(version: "1.0.1", extraHost: "api.example.com").path])
        let outdated = try await json(["outdated", "--state-dir", "home"])
        #expect((outdated["plugins"] as? [[String: Any]])?.first?["wanted"] as? String == "1.0.1")
        #expect((outdated["plugins"] as? [[String: Any]])?.first?["registry"] as? String == "main")
        let dryRun = try await json(["update", "--dry-run", "--state-dir", "home"])
        #expect((dryRun["updates"] as? [[String: Any]])?.first?["permissions_change"] as? Bool == true)
        let lockBefore = try Data(contentsOf: folder.path("home/market.lock"))
        let refused = try await json(["update", "textkit", "--state-dir", "home"], status: 1)
        let refusal = refused["error"] as? [String: Any]
        #expect(refusal?["code"] as? String == "PERMISSIONS_CHANGED")
        #expect((refusal?["message"] as? String)?.contains("+ network: api.example.com") == true)
        #expect(try Data(contentsOf: folder.path("home/market.lock")) == lockBefore)
        #expect(current("textkit") == "1.0.0")
        // On a terminal (script(1) gives it one) the change is shown and asked about; "n" refuses.
        let command = [buildProductsDirectory.appendingPathComponent("market").path, "update", "textkit", "--state-dir", "home"].map { "'\($0)'" }.joined(separator: " ")
        let asked = try await runProcess("/bin/sh", ["-c", "printf 'n\\n' | script -qec \"\(command)\" /dev/null"], in: folder.url)
        #expect(asked.stdout.contains("+ network: api.example.com"), "\(asked.stdout)")
        #expect(asked.stdout.contains("Allow these permissions? [y/N]"))
        // Answering no is a choice, not an error: no code, no fix, nothing changed, status 1.
        #expect(asked.stdout.contains("nothing was installed or changed: the new permissions were declined"), "\(asked.stdout)")
        #expect(!asked.stdout.contains("PERMISSIONS_CHANGED") && !asked.stdout.contains("fix:"), "\(asked.stdout)")
        #expect(try Data(contentsOf: folder.path("home/market.lock")) == lockBefore)
        let updated = try await json(["update", "textkit", "--yes", "--state-dir", "home"])
        #expect((updated["plugins"] as? [[String: Any]])?.first?["version"] as? String == "1.0.1")
        #expect(current("textkit") == "1.0.1")
        #expect(try await json(["verify", "--state-dir", "home"])["ok"] as? Bool == true)

        let rolledBack = try await json(["rollback", "textkit", "--state-dir", "home"])
        #expect(rolledBack["version"] as? String == "1.0.0")
        #expect(current("textkit") == "1.0.0")
        #expect(try await json(["verify", "--state-dir", "home"])["ok"] as? Bool == true)
        // Updating again on a terminal, answering yes, replaces the kept 1.0.1.
        let consented = try await runProcess("/bin/sh", ["-c", "printf 'y\\n' | script -qec \"\(command)\" /dev/null"], in: folder.url)
        #expect(consented.stdout.contains("installed textkit 1.0.1"), "\(consented.stdout)")
        #expect(current("textkit") == "1.0.1")
        #expect(try await json(["verify", "--state-dir", "home"])["ok"] as? Bool == true)

        #expect(try await json(["uninstall", "textkit", "--state-dir", "home"])["status"] as? String == "uninstalled")
        #expect(!FileManager.default.fileExists(atPath: folder.path("home/plugins/textkit").path))
        #expect((try await json(["list", "--state-dir", "home"])["plugins"] as? [Any])?.isEmpty == true)

        // No network from here on: the cache of `home`, then a copy of the tree as a mirror.
        server.stop()
        let unreachable = try await json(["install", "textkit@=1.0.1", "--state-dir", "home"], status: 1)
        #expect((unreachable["error"] as? [String: Any])?["code"] as? String == "FETCH_FAILED")
        let cached = try await json(["install", "textkit@=1.0.1", "--yes", "--offline", "--state-dir", "home"])
        #expect((cached["plugins"] as? [[String: Any]])?.first?["status"] as? String == "installed")
        #expect(current("textkit") == "1.0.1")

        try FileManager.default.copyItem(at: folder.path("site"), to: folder.path("mirror"))
        let mirrored = try await json(["install", "textkit", "--registry", "mirror", "--root", "site/root.json", "--offline", "--state-dir", "fresh"])
        #expect((mirrored["plugins"] as? [[String: Any]])?.first?["version"] as? String == "1.0.1")
        #expect(current("textkit", in: "fresh") == "1.0.1")
        #expect(try await json(["verify", "--state-dir", "fresh"])["ok"] as? Bool == true)
    }
}

import Foundation
import MarketTestSupport
import Testing

/// The user-side registry commands as a script runs them: help, trust, registry lists, package
/// files, and refusals with stable codes that change nothing.
@Suite struct RegistryClientCommandTests {
    /// Parses the one JSON document a `--json` run prints.
    func document(_ output: ProcessOutput) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "printed: \(output.stdout) \(output.stderr)")
    }

    @Test func theHelpListsTheClientCommands() async throws {
        let help = try await MarketBinary.run(["--help"])
        for command in ["uninstall", "list", "update", "outdated", "rollback", "verify", "trust"] {
            #expect(help.stdout.contains("  \(command) "), "\(command) is missing from market --help")
        }
        let registry = try await MarketBinary.run(["registry", "--help"])
        for command in ["init", "build", "refresh", "add", "list", "remove"] { #expect(registry.stdout.contains("  \(command) "), "registry \(command)") }
        let update = try await MarketBinary.run(["update", "--help"])
        for option in ["--dry-run", "--yes", "--json", "--offline"] { #expect(update.stdout.contains(option), "update \(option)") }
    }

    @Test func trustAddListRemove() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try await MarketBinary.run(["keygen", "--out", "keys", "--name", "acme"], in: folder).status == 0)
        let added = try document(try await MarketBinary.run(["trust", "add", "keys/acme.pub", "--name", "Acme", "--state-dir", "home", "--json"], in: folder))
        let id = try #require(added["id"] as? String)
        #expect(added["status"] as? String == "trusted")
        let again = try document(try await MarketBinary.run(["trust", "add", "keys/acme.pub", "--state-dir", "home", "--json"], in: folder))
        #expect(again["status"] as? String == "already_trusted")
        let listed = try document(try await MarketBinary.run(["trust", "list", "--state-dir", "home", "--json"], in: folder))
        #expect((listed["publishers"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
        #expect(try await MarketBinary.run(["trust", "remove", id, "--state-dir", "home"], in: folder).status == 0)
        let missing = try await MarketBinary.run(["trust", "remove", id, "--state-dir", "home"], in: folder)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("NOT_FOUND"))
        #expect(missing.stderr.contains("fix: see the trusted keys with `market trust list`"))
    }

    @Test func aRegistryThatDoesNotVerifyIsNotAdded() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try await MarketBinary.run(["keygen", "--out", "keys", "--name", "k"], in: folder).status == 0)
        #expect(try await MarketBinary.run(["keygen", "--out", "keys", "--name", "other"], in: folder).status == 0)
        #expect(try await MarketBinary.run(["registry", "init", "site", "--root-key", "keys/k.key"], in: folder).status == 0)
        #expect(try await MarketBinary.run(["registry", "init", "elsewhere", "--root-key", "keys/other.key"], in: folder).status == 0)
        let wrongRoot = try await MarketBinary.run(["registry", "add", "main", "site", "--root", "elsewhere/root.json", "--state-dir", "home"], in: folder)
        #expect(wrongRoot.status == 1)
        #expect(wrongRoot.stderr.contains("KEY_UNTRUSTED") || wrongRoot.stderr.contains("SIG_INVALID"), "\(wrongRoot.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("home/config.json").path))
        let registries = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("home/registries").path)) ?? []
        #expect(registries.isEmpty)

        #expect(try await MarketBinary.run(["registry", "add", "main", "site", "--root", "site/root.json", "--mirror", "elsewhere", "--state-dir", "home"], in: folder).status == 0)
        let listed = try document(try await MarketBinary.run(["registry", "list", "--state-dir", "home", "--json"], in: folder))
        let registry = try #require((listed["registries"] as? [[String: Any]])?.first)
        #expect(registry["name"] as? String == "main")
        #expect((registry["mirrors"] as? [String])?.first?.hasSuffix("/elsewhere") == true)
        let duplicate = try await MarketBinary.run(["registry", "add", "main", "site", "--state-dir", "home"], in: folder)
        #expect(duplicate.status == 1)
        #expect(duplicate.stderr.contains("already added"))
        #expect(try await MarketBinary.run(["registry", "remove", "main", "--state-dir", "home"], in: folder).status == 0)
        let empty = try document(try await MarketBinary.run(["registry", "list", "--state-dir", "home", "--json"], in: folder))
        #expect((empty["registries"] as? [Any])?.isEmpty == true)
    }

    @Test func aPackageFileFromATrustedPublisherInstallsAndVerifies() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try await MarketBinary.run(["keygen", "--out", "keys", "--name", "acme"], in: folder).status == 0)
        let packed = try document(try await MarketBinary.run(["pack", MarketBinary.builtPlugins.appendingPathComponent("textkit").path, "--key", "keys/acme.key", "--out", "dist", "--json"], in: folder))
        let file = try #require(packed["file"] as? String, "build the plugins first: scripts/build-plugins.sh")
        let untrusted = try document(try await MarketBinary.run(["install", "--from", file, "--state-dir", "home", "--json"], in: folder))
        #expect((untrusted["error"] as? [String: Any])?["code"] as? String == "KEY_UNTRUSTED")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("home/market.lock").path))
        #expect(try await MarketBinary.run(["trust", "add", "keys/acme.pub", "--state-dir", "home"], in: folder).status == 0)
        let installed = try await MarketBinary.run(["install", "--from", file, "--state-dir", "home"], in: folder)
        #expect(installed.status == 0, "\(installed.stderr)")
        #expect(installed.stdout.contains("installed textkit 1.0.0"))
        let list = try await MarketBinary.run(["list", "--state-dir", "home"], in: folder)
        #expect(list.stdout.contains("textkit 1.0.0  from file://"))
        #expect(try await MarketBinary.run(["verify", "--state-dir", "home"], in: folder).stdout.contains("ok      textkit 1.0.0"))
        let outdated = try await MarketBinary.run(["outdated", "--state-dir", "home"], in: folder)
        #expect(outdated.stdout.contains("installed from a package file"))

        try Data("patched".utf8).write(to: folder.appendingPathComponent("home/plugins/textkit/1.0.0/libtextkit.so"))
        let damaged = try await MarketBinary.run(["verify", "--state-dir", "home"], in: folder)
        #expect(damaged.status == 1)
        #expect(damaged.stdout.contains("DAMAGED textkit 1.0.0: 'libtextkit.so' does not match"))
        #expect(damaged.stderr.contains("INSTALL_DAMAGED"))
    }

    @Test func severalRegistriesAreConsultedInOrder() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try await MarketBinary.run(["keygen", "--out", "keys", "--name", "k"], in: folder).status == 0)
        for (site, plugins) in [("site-a", ["textkit"]), ("site-b", ["notes", "textkit"])] {
            let source = folder.appendingPathComponent("plugins-\(site)")
            try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
            for plugin in plugins { try FileManager.default.copyItem(at: MarketBinary.builtPlugins.appendingPathComponent(plugin), to: source.appendingPathComponent(plugin)) }
            #expect(try await MarketBinary.run(["registry", "init", site, "--root-key", "keys/k.key"], in: folder).status == 0)
            #expect(try await MarketBinary.run(["registry", "build", site, "--key", "keys/k.key", "--plugins", source.path], in: folder).status == 0)
        }
        #expect(try await MarketBinary.run(["registry", "add", "beta", "site-b", "--root", "site-b/root.json", "--state-dir", "home"], in: folder).status == 0)
        #expect(try await MarketBinary.run(["registry", "add", "alpha", "site-a", "--root", "site-a/root.json", "--first", "--state-dir", "home"], in: folder).status == 0)
        let listed = try document(try await MarketBinary.run(["registry", "list", "--state-dir", "home", "--json"], in: folder))
        #expect((listed["registries"] as? [[String: Any]])?.map { $0["name"] as? String } == ["alpha", "beta"])

        let search = try await MarketBinary.run(["search", "--state-dir", "home", "--json"], in: folder)
        let hits = try #require(try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) as? [[String: Any]])
        let from = Dictionary(uniqueKeysWithValues: hits.compactMap { hit in (hit["id"] as? String).map { ($0, hit["registry"] as? String) } })
        #expect(from["textkit"] == "alpha")
        #expect(from["notes"] == "beta")
        let install = try await MarketBinary.run(["install", "notes", "--state-dir", "home"], in: folder)
        #expect(install.status == 0, "\(install.stderr)")
        #expect(try await MarketBinary.run(["list", "--state-dir", "home"], in: folder).stdout.contains("notes 1.0.0  from beta ("))
        // The first install says what the plugin may use; info says it before installing.
        let textkit = try await MarketBinary.run(["install", "textkit", "--state-dir", "home"], in: folder)
        #expect(textkit.stdout.contains("installed textkit 1.0.0"), "\(textkit.stdout)")
        #expect(textkit.stdout.contains("  it may use:\n    events.subscribe: *\n    network: 127.0.0.1\n    network: localhost"), "\(textkit.stdout)")
        let info = try await MarketBinary.run(["info", "textkit", "--state-dir", "home"], in: folder)
        #expect(info.stdout.contains("permissions:\n  events.subscribe: *\n  network: 127.0.0.1\n  network: localhost"), "\(info.stdout)")
        // Outdated names each plugin's registry as the operator named it, not by its path.
        let outdated = try await MarketBinary.run(["outdated", "--all", "--state-dir", "home"], in: folder)
        #expect(outdated.stdout.contains("notes") && outdated.stdout.contains("  beta"), "\(outdated.stdout)")
        #expect(outdated.stdout.contains("  alpha"), "\(outdated.stdout)")
        #expect(!outdated.stdout.contains(folder.path), "\(outdated.stdout)")

        try FileManager.default.removeItem(at: folder.appendingPathComponent("site-a"))
        let degraded = try await MarketBinary.run(["search", "text", "--state-dir", "home"], in: folder)
        #expect(degraded.status == 0)
        #expect(degraded.stdout.contains("textkit 1.0.0"))
        #expect(degraded.stderr.contains("warning: skipped registry alpha: NOT_FOUND"))
    }

    @Test func refusalsHaveStableCodesAndChangeNothing() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (arguments, code) in [(["uninstall", "ghost"], "NOT_INSTALLED"), (["rollback", "ghost"], "NOT_INSTALLED"), (["update", "ghost"], "NOT_INSTALLED"),
                                  (["install", "ghost"], "NOT_FOUND")] {
            let output = try await MarketBinary.run(arguments + ["--state-dir", "home", "--json"], in: folder, environment: ["MARKET_REGISTRY": ""])
            #expect(output.status == 1)
            #expect((try document(output)["error"] as? [String: Any])?["code"] as? String == code, "\(arguments)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("home/market.lock").path))
    }
}

import Foundation
import MarketTestSupport
import Testing

/// Dependencies through the command line, with real plugins built from the textkit source:
/// one install brings both, uninstall refuses to break the dependent, and names what is left.
@Suite struct DependencyCommandTests {
    /// Builds the textkit source as plugin `id`, with `dependencies`, into `plugins/<id>`.
    func plugin(_ id: String, dependencies: [String: String], in plugins: URL) async throws {
        let repository = CommandLineTests.builtPlugins.deletingLastPathComponent().deletingLastPathComponent()
        let folder = plugins.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let source = try String(contentsOf: repository.appendingPathComponent("Plugins/textkit/textkit.c"), encoding: .utf8)
        let cFile = plugins.appendingPathComponent("\(id).c")
        try source.replacingOccurrences(of: "\"textkit\", \"1.0.0\"", with: "\"\(id)\", \"1.0.0\"").write(to: cFile, atomically: true, encoding: .utf8)
        let compiled = try await runProcess("/usr/bin/cc", ["-std=c11", "-fPIC", "-shared", "-fvisibility=hidden", "-I", repository.appendingPathComponent("PluginAPI/include").path,
                                                             cFile.path, "-o", folder.appendingPathComponent("lib\(id).so").path])
        #expect(compiled.status == 0, "\(compiled.stderr)")
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: repository.appendingPathComponent("Plugins/textkit/plugin.json"))) as? [String: Any])
        manifest["id"] = id
        manifest["library"] = "lib\(id).so"
        manifest["dependencies"] = dependencies
        try JSONSerialization.data(withJSONObject: manifest).write(to: folder.appendingPathComponent("plugin.json"))
    }

    @Test func oneInstallBringsTheDependencyAndUninstallKeepsItSafe() async throws {
        let folder = try TemporaryFolder()
        let market = { (arguments: [String]) in try await runProcess(buildProductsDirectory.appendingPathComponent("market").path, arguments, in: folder.url) }
        let plugins = folder.path("plugins")
        try await plugin("tk-base", dependencies: [:], in: plugins)
        try await plugin("tk-app", dependencies: ["tk-base": "^1.0"], in: plugins)
        #expect(try await market(["keygen", "--out", "keys", "--name", "k"]).status == 0)
        #expect(try await market(["registry", "init", "site", "--root-key", "keys/k.key"]).status == 0)
        #expect(try await market(["registry", "build", "site", "--key", "keys/k.key", "--plugins", plugins.path]).status == 0)
        #expect(try await market(["registry", "add", "main", "site", "--root", "site/root.json", "--state-dir", "home"]).status == 0)

        let install = try await market(["install", "tk-app", "--state-dir", "home"])
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stdout.contains("installed tk-app 1.0.0") && install.stdout.contains("installed tk-base 1.0.0"), "\(install.stdout)")
        let list = try await market(["list", "--state-dir", "home"])
        #expect(list.stdout.contains("tk-base 1.0.0  from main (") && list.stdout.contains("dependency"), "\(list.stdout)")

        let lock = try Data(contentsOf: folder.path("home/market.lock"))
        let refused = try await market(["uninstall", "tk-base", "--state-dir", "home"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("DEPENDENCY_NEEDED: tk-base is needed by tk-app 1.0.0"))
        #expect(try Data(contentsOf: folder.path("home/market.lock")) == lock)

        let removed = try await market(["uninstall", "tk-app", "--state-dir", "home"])
        #expect(removed.stdout.contains("tk-base was installed for tk-app and nothing needs it now"), "\(removed.stdout)")
        #expect(try await market(["uninstall", "tk-base", "--state-dir", "home"]).status == 0)
    }
}

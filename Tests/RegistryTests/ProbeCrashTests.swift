import Foundation
import MarketTestSupport
import Testing

/// A real plugin that crashes or hangs while it is probed: the installer survives, says so,
/// and the install tree and lock are byte for byte as they were.
@Suite struct ProbeCrashTests {
    /// Builds the textkit source as `crashy` `version` whose entry point does `behaviour` first.
    func build(_ behaviour: String, version: String, into plugins: URL) async throws {
        let repository = CommandLineTests.builtPlugins.deletingLastPathComponent().deletingLastPathComponent()
        let folder = plugins.appendingPathComponent("crashy")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var source = try String(contentsOf: repository.appendingPathComponent("Plugins/textkit/textkit.c"), encoding: .utf8)
            .replacingOccurrences(of: "\"textkit\", \"1.0.0\"", with: "\"crashy\", \"\(version)\"")
        source = "#include <stdlib.h>\n#include <unistd.h>\n" + source.replacingOccurrences(
            of: "MK_EXPORT const mk_plugin_descriptor_t *mk_plugin_entry_v1(uint32_t host_abi_version) {",
            with: "MK_EXPORT const mk_plugin_descriptor_t *mk_plugin_entry_v1(uint32_t host_abi_version) {\n    \(behaviour)")
        let cFile = plugins.appendingPathComponent("crashy.c")
        try source.write(to: cFile, atomically: true, encoding: .utf8)
        let compiled = try await runProcess("/usr/bin/cc", ["-std=c11", "-fPIC", "-shared", "-fvisibility=hidden", "-I", repository.appendingPathComponent("PluginAPI/include").path,
                                                             cFile.path, "-o", folder.appendingPathComponent("libcrashy.so").path])
        #expect(compiled.status == 0, "\(compiled.stderr)")
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: repository.appendingPathComponent("Plugins/textkit/plugin.json"))) as? [String: Any])
        manifest["id"] = "crashy"
        manifest["version"] = version
        manifest["library"] = "libcrashy.so"
        try JSONSerialization.data(withJSONObject: manifest).write(to: folder.appendingPathComponent("plugin.json"))
    }

    @Test func aPluginThatAbortsOrHangsWhileProbedIsPROBE_FAILEDAndNothingChanges() async throws {
        let folder = try TemporaryFolder()
        let market = { (arguments: [String]) in try await runProcess(buildProductsDirectory.appendingPathComponent("market").path, arguments, in: folder.url) }
        #expect(try await market(["keygen", "--out", "keys", "--name", "k"]).status == 0)
        #expect(try await market(["registry", "init", "site", "--root-key", "keys/k.key"]).status == 0)
        #expect(try await market(["registry", "build", "site", "--key", "keys/k.key", "--plugins", CommandLineTests.builtPlugins.path]).status == 0)
        #expect(try await market(["install", "textkit", "--registry", "site", "--root", "site/root.json", "--state-dir", "home"]).status == 0)
        let before = TemporaryFolder.listing(folder.path("home/plugins"))
        let lock = try Data(contentsOf: folder.path("home/market.lock"))

        try await build("abort();", version: "1.1.0", into: folder.path("crashing"))
        // A publisher who skips the probe (a library built for another machine) can publish it;
        // install still probes it on this one.
        #expect(try await market(["registry", "build", "site", "--key", "keys/k.key", "--no-probe", "--plugins", folder.path("crashing").path]).status == 0)
        let started = Date()
        let install = try await market(["install", "crashy", "--registry", "site", "--state-dir", "home"])
        #expect(install.status == 1)
        #expect(install.stderr.contains("PROBE_FAILED: the plugin crashed while loading (signal 6)"), "\(install.stderr)")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(TemporaryFolder.listing(folder.path("home/plugins")) == before)
        #expect(try Data(contentsOf: folder.path("home/market.lock")) == lock)

        try await build("sleep(60);", version: "1.2.0", into: folder.path("hanging"))
        #expect(try await market(["registry", "build", "site", "--key", "keys/k.key", "--no-probe", "--plugins", folder.path("hanging").path]).status == 0)
        let hung = Date()
        let timedOut = try await runProcess(buildProductsDirectory.appendingPathComponent("market").path, ["install", "crashy@1.2.0", "--registry", "site", "--state-dir", "home"],
                                            in: folder.url, environment: ["MARKET_PROBE_TIMEOUT": "1"])
        #expect(timedOut.status == 1)
        #expect(timedOut.stderr.contains("PROBE_FAILED: the plugin did not finish loading within 1.0 seconds"), "\(timedOut.stderr)")
        #expect(Date().timeIntervalSince(hung) < 10)
        #expect(TemporaryFolder.listing(folder.path("home/plugins")) == before)
        #expect(try Data(contentsOf: folder.path("home/market.lock")) == lock)
    }
}

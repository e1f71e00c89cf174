import Foundation
import MarketTestSupport
import Testing

/// `market plugin probe`, which the installer runs in a child process before switching a
/// plugin in: a working plugin, a refused one, and one that crashes the process.
@Suite struct ProbeCommandTests {
    static let fixtureSource = MarketBinary.packageRoot.appendingPathComponent("Tests/RuntimeTests/Fixtures/fixture.c")

    /// The test fixture plugin, built with `defines` into a bundle folder.
    func fixture(_ defines: [String]) async throws -> URL {
        let folder = try temporaryDirectory("probe-fixture")
        let built = try await runProcess("cc", ["-std=c11", "-fPIC", "-shared", "-fvisibility=hidden",
                                                "-I", MarketBinary.packageRoot.appendingPathComponent("PluginAPI/include").path]
            + defines.map { "-D" + $0 } + [Self.fixtureSource.path, "-o", folder.appendingPathComponent("libfixture.so").path, "-lpthread"])
        try #require(built.status == 0, "\(built.stderr)")
        let manifest = #"{"id":"fixture","version":"1.0.0","name":"Fixture","summary":"A test plugin.","publisher":"tests","license":"MIT","kinds":["tools"],"language":"c","abi":"^1.0","library":"libfixture.so"}"#
        try Data(manifest.utf8).write(to: folder.appendingPathComponent("plugin.json"))
        return folder
    }

    @Test func aWorkingPluginReportsItsCapabilities() async throws {
        let output = try await MarketBinary.run(["plugin", "probe", MarketBinary.builtPlugins.appendingPathComponent("notes").path,
                                                 "--state-dir", try temporaryDirectory("probe").path])
        #expect(output.status == 0, "\(output.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(report["ok"] as? Bool == true)
        #expect(report["id"] as? String == "notes")
        #expect(report["tools"] as? Int == 3)
        #expect(report["started"] as? Bool == true)
    }

    /// A model provider needs its `model` before it can start: the probe checks the library
    /// and says what is missing instead of failing the install.
    @Test func aPluginThatNeedsSettingsIsLoadedButNotStarted() async throws {
        let openai = MarketBinary.builtPlugins.appendingPathComponent("openai").path
        let output = try await MarketBinary.run(["plugin", "probe", openai, "--state-dir", try temporaryDirectory("probe").path])
        #expect(output.status == 0, "\(output.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(report["ok"] as? Bool == true)
        #expect(report["started"] as? Bool == false)
        #expect(report["needs"] as? [String] == ["/model: is required"])
        #expect(report["capabilities"] as? [String] == ["market.model/1"])

        let configured = try await MarketBinary.run(["plugin", "probe", openai, "--config", #"{"model":"m"}"#,
                                                     "--state-dir", try temporaryDirectory("probe").path])
        #expect(configured.status == 0, "\(configured.stderr)")
        let started = try #require(try JSONSerialization.jsonObject(with: Data(configured.stdout.utf8)) as? [String: Any])
        #expect(started["started"] as? Bool == true)
    }

    @Test func aRefusedPluginReportsTheCode() async throws {
        let output = try await MarketBinary.run(["plugin", "probe", try await fixture(["FIXTURE_ABI_MAJOR=2"]).path, "--load-only"])
        #expect(output.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(report["ok"] as? Bool == false)
        #expect(report["code"] as? String == "ABI_INCOMPATIBLE")
    }

    @Test func aCrashEndsOnlyTheProbe() async throws {
        let folder = try await fixture(["FIXTURE_CRASH_ON_CREATE"])
        let loaded = try await MarketBinary.run(["plugin", "probe", folder.path, "--load-only"])
        #expect(loaded.status == 0, "loading alone does not run create: \(loaded.stderr)")
        let crashed = try await MarketBinary.run(["plugin", "probe", folder.path, "--state-dir", try temporaryDirectory("probe").path])
        #expect(crashed.signaled)
        #expect(crashed.status == SIGSEGV)
    }
}

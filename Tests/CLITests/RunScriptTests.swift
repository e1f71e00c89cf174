import Foundation
import MarketTestSupport
import Testing

/// The main command (scripts/run.sh), set-up path only, with the `market` and plugins built
/// already: a second run must keep what the first made and go through again.
@Suite struct RunScriptTests {
    static let script = MarketBinary.packageRoot.appendingPathComponent("scripts/run.sh").path

    func run(home: URL) async throws -> ProcessOutput {
        // No model and no outside database: the script's own defaults.
        try await runProcess("bash", [Self.script, "--no-serve"], environment: [
            "MARKET_HOME": home.path, "MARKET_BIN": MarketBinary.path,
            "DATABASE_URL": "", "OPENAI_BASE_URL": "", "OPENAI_API_KEY": "",
        ])
    }

    @Test func theMainCommandRunsTwice() async throws {
        let home = try temporaryDirectory("run-sh")
        do {
            try await runTwice(home: home)
        } catch {
            try? await stopDatabase(home: home)
            throw error
        }
        try await stopDatabase(home: home)
        try? FileManager.default.removeItem(at: home)
    }

    func stopDatabase(home: URL) async throws {
        try await MarketBinary.run(["db", "stop", "--state-dir", home.path], environment: ["DATABASE_URL": ""])
    }

    func runTwice(home: URL) async throws {
        let first = try await run(home: home)
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stdout.contains("$ market registry add local"))
        #expect(first.stdout.contains("$ market tenant create demo"))
        // The demo bot keeps contacts in the built-in CRM: the scripted chat makes one and finds it by another spelling.
        #expect(first.stdout.components(separatedBy: "442079460958").count >= 3, "\(first.stdout)")

        let second = try await run(home: home)
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(!second.stdout.contains("registry add"), "the registry added by the first run is found by its name")
        #expect(!second.stdout.contains("tenant create"))
        #expect(second.stdout.contains("Market is set up in \(home.path)"))
        let registries = try await MarketBinary.run(["registry", "list", "--json", "--state-dir", home.path])
        #expect(registries.stdout.replacingOccurrences(of: " ", with: "").components(separatedBy: "\"name\":\"local\"").count == 2, "one registry named local: \(registries.stdout)")
    }
}

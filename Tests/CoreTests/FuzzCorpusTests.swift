import Foundation
import MarketTestSupport
import Testing

/// The fuzz harnesses of Tests/Fuzz, built plainly (as replay tools), run over their seeds and
/// over every crasher scripts/fuzz.sh ever kept: an input that once crashed a parser stays a
/// regression test. A crash ends the replay with a signal, which fails here.
@Suite struct FuzzCorpusTests {
    static let harnesses = ["FuzzManifest", "FuzzRegistryMetadata", "FuzzPackageArchive", "FuzzTelegramUpdate", "FuzzServerSentEvents"]
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

    @Test(arguments: harnesses) func everySeedAndKeptCrasherPassesTheHarness(_ harness: String) async throws {
        let folders = ["Seeds", "Crashers"].map { Self.fuzz.appendingPathComponent("\($0)/\(harness)").path }
        let inputs = folders.flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }
        }
        #expect(!inputs.isEmpty, "every harness has seeds in Tests/Fuzz/Seeds/\(harness)")
        let replay = try await runProcess(buildProductsDirectory.appendingPathComponent(harness).path, folders)
        #expect(replay.status == 0, "\(harness) failed on an input: \(replay.stderr)")
        #expect(replay.stdout.contains("replayed \(inputs.count) inputs"), "\(replay.stdout)")
    }
}

import Foundation
import MarketTestSupport
import Testing

/// `market plugin call|deliver|inspect` end at `--timeout` with `TIMEOUT`, even when the plugin
/// never returns (Tests/Fixtures/rogue loops or sleeps without looking at its deadline): the
/// command does not wait for the stuck thread.
@Suite struct PluginDeadlineTests {
    /// The rogue plugin built into a fresh folder; serial unless `concurrent`.
    func rogue(concurrent: Bool = false) async throws -> String {
        try await FixturePlugin.build("rogue", into: try temporaryDirectory("rogue"), defines: concurrent ? ["ROGUE_CONCURRENT"] : []).path
    }

    /// Runs `market ARGS --timeout 2` and expects it to exit with TIMEOUT, its message and a
    /// fix, between the deadline and 15 s (a loaded machine starts the process slowly; the
    /// plugin's sleep is 60 s); a hung command is killed at 45 s.
    func expectTimeout(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let home = try temporaryDirectory("home")
        let started = ContinuousClock.now
        let output = try await runProcess(MarketBinary.path, arguments + ["--timeout", "2", "--state-dir", home.path], killAfter: .seconds(45))
        let elapsed = ContinuousClock.now - started
        #expect(!output.signaled, "market \(arguments.joined(separator: " ")) was still running after 45 s", sourceLocation: sourceLocation)
        #expect(output.status == 1, "\(output.stderr)", sourceLocation: sourceLocation)
        #expect(output.stderr.contains("error: TIMEOUT: "), "\(output.stderr)", sourceLocation: sourceLocation)
        #expect(output.stderr.contains("\nfix: "), "\(output.stderr)", sourceLocation: sourceLocation)
        #expect(output.stdout.isEmpty, sourceLocation: sourceLocation)
        #expect(elapsed >= .seconds(2) && elapsed < .seconds(15), "exited after \(elapsed)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [false, true])
    func aToolThatLoopsFailsAtTheDeadline(concurrent: Bool) async throws {
        try await expectTimeout(["plugin", "call", try await rogue(concurrent: concurrent), "spin"])
    }

    @Test func aToolThatSleepsPastTheDeadlineFailsAtTheDeadlineNotWhenItWakes() async throws {
        try await expectTimeout(["plugin", "call", try await rogue(), "sleep", #"{"ms":60000}"#])
    }

    @Test func deliverAndInspectEndAtTheDeadlineToo() async throws {
        let rogue = try await rogue()
        try await expectTimeout(["plugin", "deliver", rogue, "rogue.spin"])
        try await expectTimeout(["plugin", "inspect", rogue, "--config", #"{"spin_on_list":true}"#])
    }

    @Test func anInstanceThatNeverStartsFailsAtTheDeadline() async throws {
        try await expectTimeout(["plugin", "call", try await rogue(), "sleep", "--config", #"{"spin_on_create":true}"#])
        try await expectTimeout(["plugin", "call", try await rogue(concurrent: true), "sleep", "--config", #"{"spin_on_create":true}"#])
    }

    @Test func aToolWithinItsDeadlineStillAnswers() async throws {
        let output = try await runProcess(MarketBinary.path, ["plugin", "call", try await rogue(), "sleep", #"{"ms":10}"#, "--timeout", "2",
                                                              "--state-dir", try temporaryDirectory("home").path], killAfter: .seconds(30))
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("\"slept\" : true") || output.stdout.contains("\"slept\": true"), "\(output.stdout)")
    }
}

import MarketCore
@testable import PluginHosting
import PluginRuntime
import Testing

/// The rule a switched-to version is judged by (docs/decisions.md, "Health-gated rollback").
@Suite struct PluginHealthTests {
    let bad = LibraryIdentity(version: "1.0.2", hash: "ab")
    let good = LibraryIdentity(version: "1.0.1", hash: "cd")
    let failed = MarketError(.pluginFailed, "textkit.word_count failed")

    /// The first verdict, or nil when none comes within a moment. Once per `PluginHealth`: the
    /// stream ends when its reader is cancelled. (A watch still on has given no verdict.)
    func verdict(_ health: PluginHealth) async -> PluginHealth.Verdict? {
        await withTaskGroup(of: PluginHealth.Verdict?.self) { group in
            group.addTask { for await verdict in health.verdicts { return verdict }; return nil }
            group.addTask { try? await Task.sleep(for: .milliseconds(200)); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    @Test func mostCallsFailingByThePluginsFaultIsUnhealthyOnceThereAreEnough() async {
        let health = PluginHealth(rule: .init(window: .seconds(60), minimumCalls: 10, maximumErrorRatio: 0.5))
        health.watch("textkit", version: "1.0.2")
        // Failures of another version, and the caller's own mistakes, do not count.
        for _ in 0..<20 { health.recordCall("textkit", library: good, error: failed) }
        for _ in 0..<20 { health.recordCall("textkit", library: bad, error: MarketError(.invalidArgument, "no text")) }
        #expect(health.isWatching("textkit", version: "1.0.2"))
        #expect(await verdict(health) == nil)
        let fresh = PluginHealth()
        fresh.watch("textkit", version: "1.0.2")
        for _ in 0..<9 { fresh.recordCall("textkit", library: bad, error: failed) }
        #expect(fresh.isWatching("textkit", version: "1.0.2"), "nine calls are too few to judge")
        fresh.recordCall("textkit", library: bad, error: failed)
        #expect(!fresh.isWatching("textkit", version: "1.0.2"), "one verdict per watch")
        let judged = await verdict(fresh)
        #expect(judged == PluginHealth.Verdict(pluginID: "textkit", version: "1.0.2", reason: "10 of its first 10 calls failed (last: PLUGIN_FAILED)"))
    }

    /// Never more than half failed at any call (success, failure, success, …).
    @Test func halfTheCallsFailingIsStillHealthy() async {
        let health = PluginHealth()
        health.watch("textkit", version: "1.0.2")
        for index in 0..<40 { health.recordCall("textkit", library: bad, error: index.isMultiple(of: 2) ? nil : failed) }
        #expect(await verdict(health) == nil)
    }

    @Test func anInstanceThatDoesNotStartIsUnhealthyAtOnceButOnlyWhenWatched() async {
        let health = PluginHealth()
        health.recordStartFailure("textkit", library: bad, error: failed)
        health.watch("textkit", version: "1.0.2")
        health.recordStartFailure("textkit", library: good, error: failed)
        health.recordStartFailure("textkit", library: bad, error: MarketError(.instanceClosed, "the host is shutting down"))
        #expect(health.isWatching("textkit", version: "1.0.2"), "neither unwatched nor other versions nor the host's faults count")
        health.recordStartFailure("textkit", library: bad, error: failed)
        #expect(!health.isWatching("textkit", version: "1.0.2"))
        #expect(await verdict(health)?.reason == "an instance did not start: PLUGIN_FAILED: textkit.word_count failed")
    }

    @Test func theWatchEndsWithItsWindow() async throws {
        let health = PluginHealth(rule: .init(window: .milliseconds(50), minimumCalls: 1, maximumErrorRatio: 0.5))
        health.watch("textkit", version: "1.0.2")
        try await Task.sleep(for: .milliseconds(100))
        health.recordCall("textkit", library: bad, error: failed)
        #expect(!health.isWatching("textkit", version: "1.0.2"))
        #expect(await verdict(health) == nil)
    }
}

import Foundation
import MarketCore
import PluginRuntime
import MarketTestSupport
import Testing

/// Closing an instance: it waits for the calls in flight, or only for a grace when asked, so a
/// caller about to exit is not held by a plugin stuck past its deadline.
@Suite struct CloseTests {
    func instance() async throws -> (PluginRuntime, PluginInstance) {
        let runtime = makeRuntime()
        return (runtime, try await runtime.instantiate(try runtime.load(try await buildFixture()), tenantID: "t1"))
    }

    @Test func anIdleInstanceClosesAtOnceWithinAGrace() async throws {
        let (runtime, instance) = try await instance()
        // The grace covers the plugin's destroy too: generous for a loaded machine.
        #expect(await instance.close(waitingAtMost: .seconds(5)))
        await expectError(.instanceClosed) { try await instance.callTool("echo", arguments: "{}") }
        #expect(await instance.close(waitingAtMost: .seconds(5)), "a second close has nothing left to do")
        await runtime.shutdown()
    }

    @Test func aCallStuckPastItsDeadlineHoldsACloseOnlyForItsGrace() async throws {
        let (runtime, instance) = try await instance()
        // Sleeps 3 s without looking at its deadline of 100 ms.
        await expectError(.timeout) { try await instance.callTool("sleep", arguments: #"{"ms":3000}"#, timeout: .milliseconds(100)) }
        let started = ContinuousClock.now
        #expect(await instance.close(waitingAtMost: .milliseconds(300)) == false)
        #expect(ContinuousClock.now - started < .seconds(2))
        await runtime.shutdown()
    }

    @Test func withoutAGraceCloseWaitsForTheCallInFlight() async throws {
        let (runtime, instance) = try await instance()
        // Timed from the call's start: the plugin sleeps 800 ms whatever the caller's deadline, so a
        // close that returns sooner would have run destroy under the call.
        let started = ContinuousClock.now
        await expectError(.timeout) { try await instance.callTool("sleep", arguments: #"{"ms":800}"#, timeout: .milliseconds(100)) }
        await instance.close()
        #expect(ContinuousClock.now - started >= .milliseconds(800), "destroy never runs under a call")
        await runtime.shutdown()
    }
}

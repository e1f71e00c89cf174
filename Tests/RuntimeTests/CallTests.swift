import Foundation
import MarketCore
import PluginRuntime
import MarketTestSupport
import Testing

/// The host's guarantees around every call: results are checked, deadlines and cancellation
/// hold, calls run on the plugin's own threads, and serial plugins are never entered twice.
@Suite struct CallTests {
    func fixture(_ defines: [String] = [], limits: CallLimits = CallLimits(), events: InMemoryEventLog = InMemoryEventLog(),
                 secrets: [String: String] = [:]) async throws -> (PluginRuntime, PluginInstance) {
        let runtime = makeRuntime(events: events, limits: limits)
        let instance = try await runtime.instantiate(try runtime.load(try await buildFixture(defines)), tenantID: "t1", secrets: secrets)
        return (runtime, instance)
    }

    @Test func argumentsArriveIntactAndTheResultComesBack() async throws {
        let (runtime, instance) = try await fixture()
        let arguments = #"{"text":"héllo \"world\"","n":[1,2,3],"nested":{"ok":true}}"#
        #expect(try await instance.callTool("echo", arguments: arguments) == arguments)
        await instance.close()
        await runtime.shutdown()
    }

    @Test func anInvalidJSONResultIsNamedAndTheInstanceKeepsWorking() async throws {
        let (runtime, instance) = try await fixture()
        await expectError(.invalidResult) { try await instance.callTool("invalid", arguments: "{}") }
        #expect(try await instance.callTool("echo", arguments: #"{"a":1}"#) == #"{"a":1}"#)
        await instance.close()
        await runtime.shutdown()
    }

    @Test func anOversizedResultIsCutOffAndNamed() async throws {
        var limits = CallLimits()
        limits.maximumResultBytes = 1 << 20
        let (runtime, instance) = try await fixture(limits: limits)
        let error = await expectError(.resultTooLarge) { try await instance.callTool("huge", arguments: "{}") }
        #expect(error?.message.contains("1048576") == true)
        #expect(try await instance.callTool("echo", arguments: "{}") == "{}")
        await instance.close()
        await runtime.shutdown()
    }

    @Test func argumentsThatAreNotAnObjectAreRefusedBeforeThePluginRuns() async throws {
        let (runtime, instance) = try await fixture()
        await expectError(.invalidArgument) { try await instance.callTool("echo", arguments: "[1,2]") }
        await expectError(.invalidArgument) { try await instance.callTool("echo", arguments: "{broken") }
        await instance.close()
        await runtime.shutdown()
    }

    @Test func anUnknownToolIsNotFound() async throws {
        let (runtime, instance) = try await fixture()
        let error = await expectError(.pluginFailed) { try await instance.callTool("nope", arguments: "{}") }
        #expect((error?.underlying as? PluginCallFailure)?.statusName == "NOT_FOUND")
        await instance.close()
        await runtime.shutdown()
    }

    @Test func aCallPastItsDeadlineReturnsAtTheDeadline() async throws {
        let (runtime, instance) = try await fixture()
        let clock = ContinuousClock()
        let started = clock.now
        // The plugin ignores its deadline and sleeps 6 s; the caller must be back long before.
        // (The margin is wide because other tests share this machine's two cores.)
        await expectError(.timeout) { try await instance.callTool("sleep", arguments: #"{"ms":6000}"#, timeout: .milliseconds(100)) }
        #expect(clock.now - started < .seconds(4))
        // Closing waits for the sleeping call; nothing here needs to wait for that.
        Task.detached {
            await instance.close()
            await runtime.shutdown()
        }
    }

    @Test func aCooperativePluginSeesTheDeadlineInItsCall() async throws {
        let (runtime, instance) = try await fixture()
        await expectError(.timeout) { try await instance.callTool("sleep", arguments: #"{"ms":5000,"cooperative":1}"#, timeout: .milliseconds(50)) }
        // The plugin stopped early, so its thread is free again well before the 5 s sleep would end.
        let clock = ContinuousClock()
        let started = clock.now
        #expect(try await instance.callTool("echo", arguments: "{}", timeout: .seconds(4)) == "{}")
        #expect(clock.now - started < .seconds(3))
        await instance.close()
        await runtime.shutdown()
    }

    @Test func cancellingTheTaskCancelsTheCall() async throws {
        let (runtime, instance) = try await fixture()
        let task = Task { try await instance.callTool("sleep", arguments: #"{"ms":5000,"cooperative":1}"#) }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await expectError(.cancelled) { try await task.value }
        await instance.close()
        await runtime.shutdown()
    }

    @Test func callsRunOnThePluginsOwnThreads() async throws {
        let (runtime, instance) = try await fixture()
        let thread = try JSONValue(parsing: try await instance.callTool("thread", arguments: "{}"))["thread"]
        guard case .string(let name)? = thread else {
            Issue.record("no thread name")
            return
        }
        // NIO's thread pool names its threads TP-#n; Swift's cooperative pool does not.
        #expect(name.hasPrefix("TP-"), "ran on \(name)")
        await instance.close()
        await runtime.shutdown()
    }

    @Test func aSerialPluginIsNeverEnteredTwice() async throws {
        let (runtime, instance) = try await fixture()
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try await instance.callTool("overlap", arguments: "{}") } }
            // Blocking callers on other threads go through the same gate.
            group.addTask { try await Task.detached { try instance.callToolBlocking("overlap", arguments: "{}") }.value }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 == #"{"most_inside":1}"# }, "\(results)")
        await instance.close()
        await runtime.shutdown()
    }

    @Test func aConcurrentPluginMayRunCallsTogether() async throws {
        let (runtime, instance) = try await fixture(["FIXTURE_CONCURRENT"])
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<6 { group.addTask { try await instance.callTool("overlap", arguments: "{}") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.contains { $0 != #"{"most_inside":1}"# }, "calls never overlapped: \(results)")
        await instance.close()
        await runtime.shutdown()
    }

    @Test func secretsAreLimitedToThoseTheManifestNames() async throws {
        let (runtime, instance) = try await fixture(secrets: ["api_key": "s3cr3t-value", "other": "x"])
        #expect(try await instance.callTool("secret", arguments: #"{"name":"api_key"}"#) == #"{"length":12}"#)
        let denied = await expectError(.pluginFailed) { try await instance.callTool("secret", arguments: #"{"name":"other"}"#) }
        #expect((denied?.underlying as? PluginCallFailure)?.statusName == "PERMISSION_DENIED")
        #expect(denied.map { "\($0)" }?.contains("s3cr3t") == false)
        await instance.close()
        await runtime.shutdown()
    }

    @Test func publishingIsLimitedToDeclaredEventTypes() async throws {
        let events = InMemoryEventLog()
        let (runtime, instance) = try await fixture(events: events)
        _ = try await instance.callTool("publish", arguments: "{}")
        let event = try #require(events.events.first)
        #expect(event.type == "fixture.done")
        #expect(event.tenantID == "t1")
        #expect(event.id.hasPrefix("evt_"))
        #expect(try JSONValue(parsing: event.jsonText)["data"] == .object(["ok": .bool(true)]))
        await instance.close()
        await runtime.shutdown()

        let strict = makeRuntime(events: events)
        let undeclared = try await strict.instantiate(try strict.load(try await buildFixture { $0["permissions"] = [:] }), tenantID: "t1")
        let error = await expectError(.pluginFailed) { try await undeclared.callTool("publish", arguments: "{}") }
        #expect((error?.underlying as? PluginCallFailure)?.statusName == "PERMISSION_DENIED")
        #expect(events.events.count == 1)
        await undeclared.close()
        await strict.shutdown()
    }

    @Test func aPluginRefusingToStartIsNamed() async throws {
        let runtime = makeRuntime()
        let library = try runtime.load(try await buildFixture())
        let error = await expectError(.instanceFailed) { try await runtime.instantiate(library, tenantID: "t1", config: #"{"refuse":true}"#) }
        #expect(error?.message.contains("refused by configuration") == true)
        await expectError(.instanceFailed) { try await runtime.instantiate(library, tenantID: "t1", config: "[]") }
        await runtime.shutdown()
    }

    @Test func aClosedInstanceRefusesCalls() async throws {
        let (runtime, instance) = try await fixture()
        await instance.close()
        await expectError(.instanceClosed) { try await instance.callTool("echo", arguments: "{}") }
        await runtime.shutdown()
    }
}

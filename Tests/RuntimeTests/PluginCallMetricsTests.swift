import Foundation
import MarketCore
import MetricsTestKit
import PluginRuntime
import Testing

/// Every call into a plugin is counted by plugin, kind and outcome and timed, through the host
/// services' metrics factory (docs/operations.md, "Metrics").
@Suite struct PluginCallMetricsTests {
    @Test func toolCallsAreCountedByOutcomeAndTimed() async throws {
        let metrics = TestMetrics()
        let runtime = makeRuntime(metrics: metrics)
        let instance = try await runtime.instantiate(try runtime.load(try await buildFixture()), tenantID: "acme")
        _ = try await instance.callTool("echo", arguments: "{}")
        _ = try await instance.callTool("echo", arguments: #"{"a":1}"#)
        _ = try? await instance.callTool("invalid", arguments: "{}")
        _ = try? await instance.callTool("echo", arguments: "[1]")
        _ = try? await instance.callTool("sleep", arguments: #"{"ms":3000,"cooperative":1}"#, timeout: .milliseconds(50))

        func calls(_ outcome: String) throws -> Int64 {
            try metrics.expectCounter("market_plugin_calls_total", [("plugin", "fixture"), ("kind", "tool"), ("outcome", outcome)]).totalValue
        }
        #expect(try calls("ok") == 2)
        #expect(try calls("error") == 1, "a result that is not JSON is the plugin's error")
        #expect(try calls("refused") == 1, "arguments that are not an object never enter the plugin")
        #expect(try calls("timeout") == 1)
        let timer = try metrics.expectTimer("market_plugin_call_duration_seconds", [("plugin", "fixture"), ("kind", "tool")])
        #expect(timer.values.count == 5)
        #expect(timer.values.allSatisfy { $0 > 0 })
        // No user-chosen text (a tool name, a tenant) becomes a label.
        #expect(metrics.counters.allSatisfy { Set($0.dimensions.map(\.0)) == ["plugin", "kind", "outcome"] })
        await instance.close()
        await runtime.shutdown()
    }
}

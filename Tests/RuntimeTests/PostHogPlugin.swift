import Foundation
import MarketCore
import MarketTestSupport
import MetricsTestKit
import PluginRuntime

/// The built posthog plugin for tenant "t1", sending to a `FakePostHog`.
struct PostHogPlugin {
    let runtime: PluginRuntime
    let instance: PluginInstance
    let metrics: TestMetrics
    let logs: CapturingLogHandler

    static func start(_ fake: FakePostHog, settings: String = "", apiKey: String? = FakePostHog.apiKey) async throws -> PostHogPlugin {
        let metrics = TestMetrics()
        let logs = CapturingLogHandler()
        // Events handed over one by one wait inside the plugin for their request: enough threads
        // for the tests' concurrent singles.
        let runtime = PluginRuntime(services: HostServices(logger: logs.logger, keyValue: InMemoryKeyValueStore(), events: InMemoryEventLog(),
                                                           metrics: metrics), concurrentThreads: 8)
        let config = #"{"host":"\#(fake.root)"\#(settings.isEmpty ? "" : ",")\#(settings)}"#
        let instance = try await runtime.instantiate(try runtime.load(try loopbackBundle(of: "posthog")), tenantID: "t1", config: config,
                                                     secrets: apiKey.map { ["api_key": $0] } ?? [:])
        return PostHogPlugin(runtime: runtime, instance: instance, metrics: metrics, logs: logs)
    }

    func close() async {
        await instance.close()
        await runtime.shutdown()
    }

    /// A bot event of user `user` in an experiment, with `data` members besides `user_id`.
    static func event(_ n: Int, user: String = "u1", extra: String = "") -> EventEnvelope {
        EventEnvelope(type: "message.received", tenantID: "t1", conversationID: "c\(n)",
                      experiment: .object(["id": .string("models"), "variant": .string("b")]),
                      data: #"{"user_id":"\#(user)","n":\#(n)\#(extra)}"#)
    }

    /// The UUID PostHog should get for `event`, by Python's own uuid5 over the plugin's namespace.
    static func expectedUUID(_ event: EventEnvelope) async throws -> String {
        let script = "import uuid,sys; print(uuid.uuid5(uuid.UUID('6f1c523e-8a0b-4d29-9e57-13c47a62d805'), sys.argv[1]))"
        return try await runProcess("python3", ["-c", script, "\(event.tenantID):\(event.id)"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

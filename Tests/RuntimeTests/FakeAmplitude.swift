import Foundation
import MarketCore
import MarketTestSupport
import MetricsTestKit
import PluginRuntime

/// Tests/Fixtures/amplitude/server.py on an ephemeral loopback port: Amplitude's HTTP V2 API with
/// its checks and documented answers, failures and throttling on order, and a record of every
/// request, accepted event and duplicate.
final class FakeAmplitude: Sendable {
    static let apiKey = "amp_test_project_key_0123456789"
    let server: LoopbackServerProcess

    private init(server: LoopbackServerProcess) {
        self.server = server
    }

    static func start() async throws -> FakeAmplitude {
        return FakeAmplitude(server: try await LoopbackServerProcess.fixture("amplitude", [apiKey]))
    }

    var root: String { "http://127.0.0.1:\(server.port)" }

    struct Received {
        /// `events`, `bytes`, `status` of every upload, in order.
        let requests: [JSONValue]
        /// Accepted events, each insert_id once.
        let events: [JSONValue]
        /// Accepted events whose insert_id had been accepted before.
        let duplicates: [JSONValue]

        var statuses: [Int] { requests.compactMap { $0["status"]?.doubleValue.map { Int($0) } } }
        var sizes: [Int] { requests.compactMap { $0["events"]?.doubleValue.map { Int($0) } } }
    }

    func received() async throws -> Received {
        let answer = try JSONValue(parsing: try await runProcess("curl", ["-s", "\(root)/received"]).stdout)
        func list(_ name: String) -> [JSONValue] {
            if case .array(let items)? = answer[name] { return items }
            return []
        }
        return Received(requests: list("requests"), events: list("events"), duplicates: list("duplicates"))
    }

    /// The next `count` uploads answer `status` (without naming events).
    func fail(_ status: Int, count: Int) async throws {
        try await order("/fail", #"{"status":\#(status),"count":\#(count)}"#)
    }

    /// The next `count` uploads with events of `users` answer 429 naming those events.
    func throttle(users: [String], count: Int, dailyQuota: Bool = false) async throws {
        let names = users.map { "\"\($0)\"" }.joined(separator: ",")
        try await order("/throttle", #"{"users":[\#(names)],"count":\#(count),"daily_quota":\#(dailyQuota)}"#)
    }

    /// Uploads over `bytes` answer 413.
    func limit(bytes: Int) async throws {
        try await order("/limits", #"{"max_bytes":\#(bytes)}"#)
    }

    private func order(_ path: String, _ body: String) async throws {
        _ = try await runProcess("curl", ["-s", "-X", "POST", "--data-binary", body, "\(root)\(path)"])
    }
}

/// The built amplitude plugin for tenant "t1", sending to a `FakeAmplitude`.
struct AmplitudePlugin {
    let runtime: PluginRuntime
    let instance: PluginInstance
    let metrics: TestMetrics
    let logs: CapturingLogHandler

    static func start(_ fake: FakeAmplitude, settings: String = "", apiKey: String? = FakeAmplitude.apiKey) async throws -> AmplitudePlugin {
        let metrics = TestMetrics()
        let logs = CapturingLogHandler()
        let runtime = PluginRuntime(services: HostServices(logger: logs.logger, keyValue: InMemoryKeyValueStore(), events: InMemoryEventLog(),
                                                           metrics: metrics))
        let config = #"{"host":"\#(fake.root)"\#(settings.isEmpty ? "" : ",")\#(settings)}"#
        let instance = try await runtime.instantiate(try runtime.load(try loopbackBundle(of: "amplitude")), tenantID: "t1", config: config,
                                                     secrets: apiKey.map { ["api_key": $0] } ?? [:])
        return AmplitudePlugin(runtime: runtime, instance: instance, metrics: metrics, logs: logs)
    }

    func close() async {
        await instance.close()
        await runtime.shutdown()
    }

    /// A bot event of `user` (none: an event without a user) in an experiment.
    static func event(_ n: Int, user: String? = "u1", conversation: String? = nil, extra: String = "") -> EventEnvelope {
        let member = user.map { #""user_id":"\#($0)","# } ?? ""
        return EventEnvelope(type: "message.received", tenantID: "t1", conversationID: conversation ?? "c\(n)",
                             experiment: .object(["id": .string("models"), "variant": .string("b")]),
                             data: #"{\#(member)"n":\#(n)\#(extra)}"#)
    }

    /// Amplitude's `time` for `event`: its envelope timestamp in whole milliseconds.
    static func expectedTime(_ event: EventEnvelope) throws -> JSONValue {
        let written = Timestamp.format(event.timestamp)
        let date = try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(written)
        return .integer(Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }
}

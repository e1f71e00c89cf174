import Foundation
import MarketCore

/// Tests/Fixtures/posthog/server.py on an ephemeral loopback port: PostHog's batch endpoint with
/// its checks, failures on order, and a record of every request and accepted event.
public final class FakePostHog: Sendable {
    public static let apiKey = "phc_test_project_key"
    public let server: LoopbackServerProcess

    private init(server: LoopbackServerProcess) {
        self.server = server
    }

    public static func start() async throws -> FakePostHog {
        return FakePostHog(server: try await LoopbackServerProcess.fixture("posthog", [apiKey]))
    }

    public var root: String { "http://127.0.0.1:\(server.port)" }

    /// Every batch request (`events`, `bytes`, `status`) and every accepted event.
    public func received() async throws -> (requests: [JSONValue], events: [JSONValue]) {
        let answer = try JSONValue(parsing: try await runProcess("curl", ["-s", "\(root)/received"]).stdout)
        guard case .array(let requests)? = answer["requests"], case .array(let events)? = answer["events"] else { return ([], []) }
        return (requests, events)
    }

    /// How many events it accepted, repeats included, and how many distinct UUIDs among them.
    public func counts() async throws -> (events: Int, unique: Int) {
        let answer = try JSONValue(parsing: try await runProcess("curl", ["-s", "\(root)/count"]).stdout)
        return (Int(answer["events"]?.integerValue ?? 0), Int(answer["unique"]?.integerValue ?? 0))
    }

    /// Every batch request waits `milliseconds` before it is answered.
    public func delay(_ milliseconds: Int) async throws {
        _ = try await runProcess("curl", ["-s", "-X", "POST", "--data-binary", #"{"ms":\#(milliseconds)}"#, "\(root)/delay"])
    }

    /// The next `count` batch requests answer `status`.
    public func fail(_ status: Int, count: Int) async throws {
        _ = try await runProcess("curl", ["-s", "-X", "POST", "--data-binary", #"{"status":\#(status),"count":\#(count)}"#, "\(root)/fail"])
    }
}

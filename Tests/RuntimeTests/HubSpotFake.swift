import Foundation
import Logging
import MarketCore
import MarketTestSupport
import PluginRuntime
import Testing

/// Tests/Fixtures/hubspot/server.py on an ephemeral loopback port: HubSpot's CRM v3 API with its
/// checks, error bodies and limits (100 requests per rolling 10 s, 5 searches a second, a daily
/// limit), a record of every request, and the webhooks HubSpot would send the app.
final class FakeHubSpot: Sendable {
    static let token = "pat-na1-canary-0f1e2d3c4b5a"
    static let clientSecret = "client-secret-canary-9a8b7c"
    let server: LoopbackServerProcess

    private init(server: LoopbackServerProcess) {
        self.server = server
    }

    static func start() async throws -> FakeHubSpot {
        return FakeHubSpot(server: try await LoopbackServerProcess.fixture("hubspot", [token, clientSecret]))
    }

    var root: String { "http://127.0.0.1:\(server.port)" }

    /// Every API request the fake answered: `t` (Unix seconds), `method`, `path`, `status`,
    /// `search`, `handling_us`.
    func requests() async throws -> [JSONValue] { try await list("/_fake/requests") }

    /// The webhook events HubSpot would have sent the app so far.
    func webhooks() async throws -> [JSONValue] { try await list("/_fake/webhooks") }

    func objects(_ kind: String) async throws -> [JSONValue] { try await list("/_fake/objects/\(kind)") }

    func setDailyRemaining(_ remaining: Int) async throws {
        _ = try await control("/_fake/daily", #"{"remaining":\#(remaining)}"#)
    }

    /// A person adds a contact in HubSpot.
    func personAddsContact(_ properties: JSONValue) async throws -> JSONValue {
        try await control("/_fake/ui/contact", JSONValue.object(["properties": properties]).jsonText)
    }

    /// A person drags deal `id` to `stage` in HubSpot.
    func personMovesDeal(_ id: String, to stage: String) async throws {
        _ = try await control("/_fake/ui/stage", JSONValue.object(["deal": .string(id), "stage": .string(stage)]).jsonText)
    }

    /// X-HubSpot-Signature-v3 as HubSpot computes it with the app's client secret.
    func sign(method: String = "POST", uri: String, body: String, timestamp: Int64) async throws -> String {
        let request = JSONValue.object(["method": .string(method), "uri": .string(uri), "body": .string(body), "timestamp": .integer(timestamp)])
        return try #require(try await control("/_fake/sign", request.jsonText)["signature"]?.text)
    }

    private func list(_ path: String) async throws -> [JSONValue] {
        let output = try await runProcess("curl", ["-s", "\(root)\(path)"])
        guard case .array(let items) = try JSONValue(parsing: output.stdout) else { return [] }
        return items
    }

    private func control(_ path: String, _ body: String) async throws -> JSONValue {
        try JSONValue(parsing: try await runProcess("curl", ["-s", "-X", "POST", "--data-binary", body, "\(root)\(path)"]).stdout)
    }
}

/// The tenant's connection as the host would give it: a token, or none (not connected).
struct FixedConnection: ConnectionCredentials {
    let token: String?

    func accessToken(_ namespace: KeyValueNamespace) throws -> String {
        guard let token else {
            throw ConnectionUnusable(.notConnected, "tenant \(namespace.tenantID) has not connected \(namespace.pluginID) to its service; "
                                     + "connect it with `market connections set \(namespace.pluginID) --tenant \(namespace.tenantID)`")
        }
        return token
    }
}

/// The built hubspot plugin for one tenant, talking to a `FakeHubSpot`, with its events and
/// key-value store in memory.
struct HubSpotWorld {
    static let hookURL = "https://market.example.com/hooks/hk_0123456789abcdefghijklmnopqrstuv/"

    let fake: FakeHubSpot
    let runtime: PluginRuntime
    let instance: PluginInstance
    let events: InMemoryEventLog

    static func start(_ fake: FakeHubSpot, tenant: String = "t1", token: String? = FakeHubSpot.token, threads: Int = 4,
                      secrets: [String: String] = ["oauth_client_secret": FakeHubSpot.clientSecret]) async throws -> HubSpotWorld {
        let events = InMemoryEventLog()
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let runtime = PluginRuntime(services: HostServices(logger: quiet, keyValue: InMemoryKeyValueStore(), events: events,
                                                           connections: FixedConnection(token: token)),
                                    concurrentThreads: threads)
        let config = JSONValue.object(["api_url": .string(fake.root), "hook_url": .string(hookURL)]).jsonText
        let instance = try await runtime.instantiate(try runtime.load(try bundle()), tenantID: tenant, config: config, secrets: secrets)
        return HubSpotWorld(fake: fake, runtime: runtime, instance: instance, events: events)
    }

    /// The built bundle with permissions.network naming 127.0.0.1 in place of HubSpot's API host.
    static func bundle() throws -> URL {
        try loopbackBundle(of: "hubspot", shipped: ["api.hubapi.com"])
    }

    func close() async {
        await instance.close()
        await runtime.shutdown()
    }

    /// The events published so far, as (type, data, conversation).
    var published: [(type: String, data: JSONValue, conversation: String?)] {
        events.events.map { ($0.type, (try? JSONValue(parsing: $0.data)) ?? .null, $0.conversationID) }
    }

    /// Posts `body` to the hook as HubSpot would: signed with the app's client secret for `uri`
    /// (the hook URL unless a test says otherwise) at `timestamp` (now unless said).
    func deliverWebhook(_ body: String, uri: String = HubSpotWorld.hookURL, timestamp: Int64? = nil,
                        signature: String? = nil) async throws -> (status: Int, body: JSONValue) {
        let sent = timestamp ?? Int64(Date().timeIntervalSince1970 * 1000)
        let signed: String
        if let signature { signed = signature } else { signed = try await fake.sign(uri: uri, body: body, timestamp: sent) }
        let response = try await instance.handleIngress(method: "POST", path: "/", headers: [
            ("Content-Type", "application/json"), ("X-HubSpot-Signature-v3", signed), ("X-HubSpot-Request-Timestamp", String(sent)),
        ], body: Array(body.utf8))
        return (response.status, (try? JSONValue(parsing: String(decoding: response.body, as: UTF8.self))) ?? .null)
    }
}

import Foundation
import Logging
import MarketCore
import MarketTestSupport
import PluginRuntime
import Synchronization
import Testing

/// Tests/Fixtures/amocrm/server.py on an ephemeral loopback port: one amoCRM account's API v4
/// with amoCRM's answers (204 for nothing found, problem+json, 429 past 7 requests a second)
/// and a record of every request.
final class FakeAmoCRM: Sendable {
    static let token = "acme-long-lived-token"
    let server: LoopbackServerProcess

    private init(server: LoopbackServerProcess) {
        self.server = server
    }

    static func start() async throws -> FakeAmoCRM {
        return FakeAmoCRM(server: try await LoopbackServerProcess.fixture("amocrm", [token]))
    }

    var root: String { "http://127.0.0.1:\(server.port)" }

    /// The account's records and every API request (`t` in seconds, `method`, `path`, `status`).
    func state() async throws -> JSONValue {
        try JSONValue(parsing: try await runProcess("curl", ["-s", "\(root)/_fake/state"]).stdout)
    }

    /// Revokes the valid token: from now on only `token` is accepted.
    func replaceToken(with token: String) async throws {
        _ = try await runProcess("curl", ["-s", "-X", "POST", "--data-binary", #"{"token":"\#(token)"}"#, "\(root)/_fake/token"])
    }

    /// The most requests that reached the API within any one second, and how many were refused with 429.
    func busiestSecond() async throws -> (requests: Int, refused: Int) {
        guard case .array(let requests)? = try await state()["requests"] else { return (0, 0) }
        let times = requests.compactMap { $0["t"]?.doubleValue }.sorted()
        var busiest = 0
        var start = 0
        for end in times.indices {
            while times[end] - times[start] >= 1.0 { start += 1 }
            busiest = max(busiest, end - start + 1)
        }
        return (busiest, requests.filter { $0["status"] == .integer(429) }.count)
    }
}

/// One tenant's token for tests, as the host's connection store would give it.
final class AmoTestCredentials: ConnectionCredentials {
    private let token = Mutex<String?>(FakeAmoCRM.token)

    func set(_ value: String?) { token.withLock { $0 = value } }

    func accessToken(_ namespace: KeyValueNamespace) throws -> String {
        guard let value = token.withLock({ $0 }) else {
            throw ConnectionUnusable(.notConnected, "tenant \(namespace.tenantID) has not connected \(namespace.pluginID): set its credentials with `market connections set \(namespace.pluginID) --tenant \(namespace.tenantID)`")
        }
        return value
    }
}

/// The built amocrm plugin for tenant "acme", talking to a `FakeAmoCRM`.
struct AmoCRMWorld {
    let fake: FakeAmoCRM
    let runtime: PluginRuntime
    let library: PluginLibrary
    let instance: PluginInstance
    let events: InMemoryEventLog
    let credentials: AmoTestCredentials
    /// The clock of the plugin's key-value store, where its marks expire.
    let clock: SettableClock

    static func start(settings: String = "") async throws -> AmoCRMWorld {
        let fake = try await FakeAmoCRM.start()
        let events = InMemoryEventLog()
        let credentials = AmoTestCredentials()
        let clock = SettableClock()
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let runtime = PluginRuntime(services: HostServices(logger: quiet, keyValue: InMemoryKeyValueStore(now: { clock.now }), events: events,
                                                           connections: credentials))
        let config = #"{"subdomain":"acme","api_url":"\#(fake.root)"\#(settings.isEmpty ? "" : ",")\#(settings)}"#
        let library = try runtime.load(try amocrmLoopbackBundle())
        let instance = try await runtime.instantiate(library, tenantID: "acme", config: config)
        return AmoCRMWorld(fake: fake, runtime: runtime, library: library, instance: instance, events: events, credentials: credentials,
                           clock: clock)
    }

    func close() async {
        await instance.close()
        await runtime.shutdown()
    }

    /// An amoCRM webhook as amoCRM posts it: form-encoded, PHP-style keys.
    func hook(_ fields: [(String, String)]) async throws -> IngressResponse {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
        return try await instance.handleIngress(method: "POST", path: "/", headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded")],
                                                body: Array(body.utf8))
    }

    /// The events published so far, as (type, data).
    func published() throws -> [(type: String, data: JSONValue)] {
        try events.events.map { ($0.type, try JSONValue(parsing: $0.data)) }
    }
}

/// The built amocrm bundle with permissions.network naming 127.0.0.1 in place of amoCRM's hosts.
func amocrmLoopbackBundle() throws -> URL {
    try loopbackBundle(of: "amocrm", shipped: ["*.amocrm.ru", "*.amocrm.com", "*.kommo.com"])
}

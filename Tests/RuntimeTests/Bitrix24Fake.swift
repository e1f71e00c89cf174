import Foundation
import Logging
import MarketCore
import MarketTestSupport
import PluginRuntime
import Synchronization

/// Tests/Fixtures/bitrix24/server.py on an ephemeral loopback port: one Bitrix24 portal's REST
/// API (webhook and OAuth2), its leaky bucket, and a log of every request.
final class FakeBitrix24: Sendable {
    static let userID = "1"
    static let secret = "wh7secret0canary4x2"
    static let oauthToken = "oauth0canary9token5"
    static let applicationToken = "app8token3b24check"
    let server: LoopbackServerProcess

    private init(server: LoopbackServerProcess) {
        self.server = server
    }

    static func start() async throws -> FakeBitrix24 {
        return FakeBitrix24(server: try await LoopbackServerProcess.fixture("bitrix24", [userID, secret, oauthToken, applicationToken]))
    }

    var root: String { "http://127.0.0.1:\(server.port)" }
    /// The connection's value for the incoming webhook.
    static var webhook: String { "\(userID)/\(secret)" }

    struct Request {
        let time: Double
        let method: String
        let status: Int
        let level: Double
        let handlingMilliseconds: Double
        let commands: [String]
    }

    struct Log {
        let requests: [Request]
        let maxLevel: Double
        let rejected: Int
    }

    func log() async throws -> Log {
        let answer = try await get("log")
        let requests = (answer["requests"]?.bitrixItems ?? []).map { item in
            Request(time: item["t"]?.doubleValue ?? 0, method: item["method"]?.text ?? "", status: Int(item["status"]?.doubleValue ?? 0),
                    level: item["level"]?.doubleValue ?? 0, handlingMilliseconds: item["handling_ms"]?.doubleValue ?? 0,
                    commands: (item["commands"]?.bitrixItems ?? []).compactMap(\.text))
        }
        return Log(requests: requests, maxLevel: answer["max_level"]?.doubleValue ?? 0, rejected: Int(answer["rejected"]?.doubleValue ?? 0))
    }

    func records() async throws -> JSONValue { try await get("records") }

    /// Contacts and deals made by a person in Bitrix24 (user 7); their ids.
    func seed(_ body: String) async throws -> JSONValue { try await post("seed", body) }

    /// The next `count` requests answer 503 with `error`.
    func limit(_ count: Int, error: String = "QUERY_LIMIT_EXCEEDED") async throws {
        _ = try await post("limit", #"{"count":\#(count),"error":"\#(error)"}"#)
    }

    func expireToken() async throws { _ = try await post("expire", "{}") }

    /// A person edits a record; the form body of the event Bitrix24 then posts.
    func change(_ entity: String, id: String, fields: String) async throws -> String {
        try await post("change", #"{"entity":"\#(entity)","id":\#(id),"fields":\#(fields)}"#)["body"]?.text ?? ""
    }

    /// The form body Bitrix24 posts for `event` on record `id`.
    func eventBody(_ event: String, id: String) async throws -> String {
        try await post("event", #"{"event":"\#(event)","id":\#(id)}"#)["body"]?.text ?? ""
    }

    private func get(_ name: String) async throws -> JSONValue {
        try JSONValue(parsing: try await runProcess("curl", ["-s", "\(root)/_fake/\(name)"]).stdout)
    }

    private func post(_ name: String, _ body: String) async throws -> JSONValue {
        try JSONValue(parsing: try await runProcess("curl", ["-s", "-X", "POST", "--data-binary", body, "\(root)/_fake/\(name)"]).stdout)
    }
}

/// A tenant's connection held in memory: `market.connections/1` without PostgreSQL.
final class Bitrix24Connection: ConnectionCredentials {
    private let value: Mutex<String?>

    init(_ value: String?) {
        self.value = Mutex(value)
    }

    func set(_ new: String?) { value.withLock { $0 = new } }

    func accessToken(_ namespace: KeyValueNamespace) throws -> String {
        guard let token = value.withLock({ $0 }) else {
            throw ConnectionUnusable(.notConnected, "\(namespace.pluginID) is not connected for tenant \(namespace.tenantID); "
                                     + "connect it with `market connections set \(namespace.pluginID) --tenant \(namespace.tenantID) --api-key`")
        }
        return token
    }
}

/// The built bitrix24 plugin in a runtime with in-memory events and kv, and a connection.
struct Bitrix24World {
    let runtime: PluginRuntime
    let library: PluginLibrary
    let events: InMemoryEventLog
    let connection: Bitrix24Connection

    static func start(credential: String? = FakeBitrix24.webhook) async throws -> Bitrix24World {
        let events = InMemoryEventLog()
        let connection = Bitrix24Connection(credential)
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let runtime = PluginRuntime(services: HostServices(logger: quiet, keyValue: InMemoryKeyValueStore(), events: events, connections: connection))
        return Bitrix24World(runtime: runtime, library: try runtime.load(try loopbackBundle(of: "bitrix24")), events: events, connection: connection)
    }

    func instance(_ fake: FakeBitrix24?, tenant: String = "acme", settings: String = "",
                  applicationToken: String? = FakeBitrix24.applicationToken) async throws -> PluginInstance {
        var members: [String] = []
        if let fake { members.append(#""portal_url":"\#(fake.root)""#) }
        if !settings.isEmpty { members.append(settings) }
        return try await runtime.instantiate(library, tenantID: tenant, config: "{" + members.joined(separator: ",") + "}",
                                             secrets: applicationToken.map { ["application_token": $0] } ?? [:])
    }

    /// The events published so far, of `type`.
    func published(_ type: String) throws -> [JSONValue] {
        try events.events.filter { $0.type == type }.map { try JSONValue(parsing: $0.data) }
    }

    func close(_ instances: PluginInstance...) async {
        for instance in instances { await instance.close() }
        await runtime.shutdown()
    }
}

extension JSONValue {
    var bitrixItems: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }
}

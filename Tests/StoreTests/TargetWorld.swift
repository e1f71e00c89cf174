import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import PluginHosting
import PluginRuntime
import StoreTestSupport
import Testing

/// Tenant `acme` with the C fixture `targetsink` (Tests/Fixtures/targetsink, a market.targets/1
/// plugin built from source) enabled, the plugin owner over it, the target store, and a real
/// webhook receiver on loopback (Tests/Fixtures/receiver/receiver.py).
struct TargetWorld {
    static let tenant = "acme"
    static let plugin = "targetsink"
    let fixture: BusFixture
    let tenants: TenantStore
    let runtime: PluginRuntime
    let host: PluginHost
    let targets: EventTargets
    let receiver: Receiver
    let plugins: URL

    static func make() async throws -> TargetWorld {
        let fixture = try await BusFixture.make()
        let plugins = try temporaryDirectory("targets")
        try await FixturePlugin.build(plugin, into: plugins)
        let folders = PluginFolders(stateDirectory: nil, developmentFolders: [plugins])
        let tenants = TenantStore(pool: fixture.pool, masterKey: .generate(), manifests: folders, logger: quietLogger)
        let runtime = PluginRuntime(services: HostServices(logger: quietLogger, keyValue: PostgresKeyValueStore(pool: fixture.pool), events: fixture.bus))
        let host = PluginHost(runtime: runtime, folders: folders, tenants: tenants, logger: quietLogger)
        _ = try await tenants.createTenant(tenant, by: .system)
        _ = try await tenants.enable(plugin, tenant: tenant, by: .system)
        return TargetWorld(fixture: fixture, tenants: tenants, runtime: runtime, host: host,
                           targets: EventTargets(pool: fixture.pool, box: tenants.box, logger: quietLogger), receiver: try await Receiver.start(), plugins: plugins)
    }

    /// A target of `targetsink` posting to the receiver.
    func addTarget(_ patterns: [String] = ["*"], rate: Int? = nil, ordered: Bool = false) async throws -> EventTarget {
        try await host.createTarget(EventTargets.Draft(tenantID: Self.tenant, pluginID: Self.plugin, patterns: patterns, ratePerSecond: rate, ordered: ordered),
                                    settings: .object(["url": .string(receiver.url)]), in: targets, by: .system).target
    }

    /// A worker delivering through the owner, with short schedules unless told otherwise.
    func worker(_ policy: TargetPolicy, batchSize: Int = 16) -> DeliveryWorker {
        DeliveryWorker(pool: fixture.pool, connectionString: fixture.url, targets: host,
                       configuration: .init(batchSize: batchSize, loops: 2, lease: .seconds(30), pollInterval: .milliseconds(100), targets: policy),
                       logger: quietLogger)
    }

    /// Publishes events of `type` (in `conversation`, if given) and returns their ids.
    @discardableResult
    func publish(_ count: Int, type: String = "lead.created", conversation: String? = nil) async throws -> [String] {
        let events = (0..<count).map { EventEnvelope(type: type, tenantID: Self.tenant, conversationID: conversation, data: #"{"n":\#($0)}"#) }
        try await fixture.bus.publish(events)
        return events.map(\.id)
    }

    /// The target rows of an event: status and attempts by target id.
    func rows(target: String) async throws -> [(event: String, status: String, attempts: Int)] {
        try await fixture.pool.query("SELECT event_id, status, attempts FROM deliveries WHERE target = $1 ORDER BY event_seq", [target]).map {
            (try $0.decode("event_id"), try $0.decode("status"), try $0.decode("attempts"))
        }
    }

    /// The host's own events of `type` the tenant has, oldest first, as their data.
    func hostEvents(_ type: String) async throws -> [JSONValue] {
        try await fixture.pool.query("SELECT data::text AS data FROM events WHERE tenant_id = $1 AND type = $2 ORDER BY seq", [Self.tenant, type]).map {
            try JSONValue(parsing: try $0.decode("data", as: String.self))
        }
    }

    func shutdown() async {
        await host.closeAll()
        await runtime.shutdown()
        await fixture.shutdown()
        try? FileManager.default.removeItem(at: plugins)
    }
}

/// The Python receiver: records every POST and answers as its mode says.
struct Receiver: Sendable {
    let process: LoopbackServerProcess
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/receiver/receiver.py")

    static func start() async throws -> Receiver {
        Receiver(process: try await LoopbackServerProcess.start(["python3", script.path]) { output in
            output.split(separator: "\n").first { $0.hasPrefix("port ") }.flatMap { Int($0.dropFirst(5)) }
        })
    }

    var url: String { "http://127.0.0.1:\(process.port)/hook" }

    /// One request the receiver got.
    struct Request: Sendable {
        let id: String
        let attempt: Int
        let at: Double
        let status: Int
    }

    /// Sets how it answers: a status, a Retry-After, a body, or no answer at all (`drop`).
    func mode(status: Int = 200, retryAfter: Int? = nil, drop: Bool = false, body: String = "ok") async throws {
        var fields: [String: JSONValue] = ["status": .integer(Int64(status)), "drop": .bool(drop), "body": .string(body)]
        fields["retry_after"] = retryAfter.map { .string(String($0)) } ?? .null
        _ = try await call("POST", "/_mode", JSONValue.object(fields).jsonText)
    }

    func received() async throws -> [Request] {
        guard case .array(let items) = try JSONValue(parsing: try await call("GET", "/_received", nil)) else { return [] }
        func text(_ value: JSONValue?) -> String? {
            guard case .string(let text)? = value else { return nil }
            return text
        }
        return items.map { item in
            Request(id: text(item["id"]) ?? "", attempt: text(item["attempt"]).flatMap { Int($0) } ?? 0,
                    at: item["at"]?.doubleValue ?? 0, status: Int(item["status"]?.integerValue ?? 0))
        }
    }

    /// The ids answered 2xx, in the order they arrived.
    func delivered() async throws -> [String] {
        try await received().filter { (200..<300).contains($0.status) }.map(\.id)
    }

    private func call(_ method: String, _ path: String, _ body: String?) async throws -> String {
        var arguments = ["curl", "-s", "-X", method, "http://127.0.0.1:\(process.port)\(path)"]
        if let body { arguments += ["-d", body] }
        let result = try await runProcess("/usr/bin/env", arguments)
        return result.stdout
    }
}

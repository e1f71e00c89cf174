import Foundation
import MarketCore
import MarketTestSupport
import PluginRuntime
import Testing

/// The built webhooks plugin, instantiated for tenant "t1".
struct WebhooksPlugin {
    let runtime: PluginRuntime
    let instance: PluginInstance
    let events: InMemoryEventLog

    /// A copy of the built bundle whose permissions.network names 127.0.0.1 instead of "*": the
    /// receivers are on loopback, which a wildcard grant reaches only with the operator's
    /// permission, and a named host is what the test means.
    static func bundle() throws -> URL {
        let built = try TestPaths.plugin("webhooks")
        let folder = try temporaryDirectory("webhooks")
        for name in try FileManager.default.contentsOfDirectory(atPath: built.path) where name != "plugin.json" {
            try FileManager.default.copyItem(at: built.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        var manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: built.appendingPathComponent("plugin.json"))) as? [String: Any])
        var permissions = try #require(manifest["permissions"] as? [String: Any])
        #expect(permissions["network"] as? [String] == ["*"], "the shipped manifest reaches any host")
        permissions["network"] = ["127.0.0.1"]
        manifest["permissions"] = permissions
        try JSONSerialization.data(withJSONObject: manifest).write(to: folder.appendingPathComponent("plugin.json"))
        return folder
    }

    static func start(config: String = "{}") async throws -> WebhooksPlugin {
        let events = InMemoryEventLog()
        let runtime = makeRuntime(events: events)
        let instance = try await runtime.instantiate(try runtime.load(try bundle()), tenantID: "t1", config: config)
        return WebhooksPlugin(runtime: runtime, instance: instance, events: events)
    }

    func close() async {
        await instance.close()
        await runtime.shutdown()
    }

    /// `prepare` with `action`, the settings as JSON text, and the rest of the request.
    func prepare(_ action: String, settings: String? = nil, current: (settings: JSONValue, secrets: JSONValue)? = nil,
                 now: Date = Date(), overlap: Int? = nil) async throws -> (settings: JSONValue, secrets: JSONValue) {
        var request: [String: JSONValue] = ["action": .string(action), "now": .string(now.formatted(.iso8601))]
        if let settings { request["settings"] = try JSONValue(parsing: settings) }
        if let current { request["current"] = .object(["settings": current.settings, "secrets": current.secrets]) }
        if let overlap { request["overlap_seconds"] = .integer(Int64(overlap)) }
        return try await instance.prepareTarget(.object(request))
    }

    /// Delivers `event` to the target prepared as `target`.
    func deliver(_ event: EventEnvelope, to target: (settings: JSONValue, secrets: JSONValue), attempt: Int = 1) async throws -> TargetOutcome {
        try await instance.deliver(event, to: .object(["id": .string("tgt_test"), "settings": target.settings, "secrets": target.secrets,
                                                      "attempt": .integer(Int64(attempt))]), timeout: .seconds(30))
    }
}

extension JSONValue {
    var text: String? {
        if case .string(let value) = self { value } else { nil }
    }
}

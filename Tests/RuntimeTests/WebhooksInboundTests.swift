import Foundation
import MarketCore
import MarketTestSupport
import PluginRuntime
import Testing

/// Inbound hooks: a request signed by the `standardwebhooks` library becomes one
/// `webhook.received` event; anything else is refused with a problem and publishes nothing.
@Suite struct WebhooksInboundTests {
    static let secret = "whsec_" + Data((0..<32).map { UInt8($0) }).base64EncodedString()
    static let source = "src_0123456789abcdefXYZ"
    static let config = #"{"inbound_secret":"\#(secret)","inbound_sources":[{"id":"\#(source)","event_type":"crm.lead_changed"}]}"#

    /// `v1,…` for `body` as the Python library signs it.
    static func sign(id: String, timestamp: Int, body: String, secret: String = secret) async throws -> String {
        let script = """
            import datetime, json, sys
            from standardwebhooks.webhooks import Webhook
            a = json.loads(sys.argv[1])
            when = datetime.datetime.fromtimestamp(a["timestamp"], datetime.timezone.utc)
            print(Webhook(a["secret"]).sign(a["id"], when, a["body"].encode()))
            """
        let arguments = JSONValue.object(["id": .string(id), "timestamp": .integer(Int64(timestamp)), "body": .string(body), "secret": .string(secret)])
        let output = try await runProcess("python3", ["-c", script, arguments.jsonText])
        try #require(output.status == 0, "\(output.stderr)")
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func post(_ plugin: WebhooksPlugin, path: String? = nil, body: String, headers: [(name: String, value: String)]) async throws -> IngressResponse {
        try await plugin.instance.handleIngress(method: "POST", path: path ?? "/\(Self.source)", headers: headers, body: Array(body.utf8))
    }

    func signed(_ body: String, id: String = "msg_1", timestamp: Int = Int(Date().timeIntervalSince1970), type: String = "application/json",
                signature: String? = nil) async throws -> [(name: String, value: String)] {
        let value: String
        if let signature { value = signature } else { value = try await Self.sign(id: id, timestamp: timestamp, body: body) }
        return [("Content-Type", type), ("Webhook-Id", id), ("Webhook-Timestamp", String(timestamp)), ("Webhook-Signature", value)]
    }

    @Test func aSignedRequestBecomesAnEvent() async throws {
        let plugin = try await WebhooksPlugin.start(config: Self.config)
        let body = #"{"type":"lead.updated","data":{"id":42}}"#
        // Several signatures, the first from another secret: one match is enough.
        let now = Int(Date().timeIntervalSince1970)
        let stranger = try await Self.sign(id: "msg_1", timestamp: now, body: body, secret: "whsec_" + Data(repeating: 9, count: 24).base64EncodedString())
        let good = try await Self.sign(id: "msg_1", timestamp: now, body: body)
        let response = try await post(plugin, body: body, headers: try await signed(body, timestamp: now, signature: "\(stranger) v2,abc \(good)"))
        #expect(response.status == 202, "\(String(decoding: response.body, as: UTF8.self))")

        let events = plugin.events.events
        try #require(events.count == 1)
        let event = try #require(events.first)
        #expect(event.type == "webhook.received" && event.tenantID == "t1")
        #expect(try JSONValue(parsing: String(decoding: response.body, as: UTF8.self))["event_id"]?.text == event.id)
        let data = try JSONValue(parsing: event.data)
        #expect(data["source"]?.text == Self.source && data["type"]?.text == "crm.lead_changed" && data["webhook_id"]?.text == "msg_1")
        #expect(data["payload"] == (try JSONValue(parsing: body)))
        await plugin.close()
    }

    @Test func aFormBodyBecomesAnObject() async throws {
        let plugin = try await WebhooksPlugin.start(config: Self.config)
        let body = "leads%5Bstatus%5D%5B0%5D%5Bid%5D=7&name=Ada+Lovelace&tag=a&tag=b"
        let response = try await post(plugin, body: body, headers: try await signed(body, type: "application/x-www-form-urlencoded"))
        #expect(response.status == 202)
        let data = try JSONValue(parsing: try #require(plugin.events.events.first).data)
        #expect(data["payload"] == .object(["leads[status][0][id]": .string("7"), "name": .string("Ada Lovelace"),
                                            "tag": .array([.string("a"), .string("b")])]))
        await plugin.close()
    }

    /// A bad inbound_secret stops inbound hooks only: the instance is made, and deliveries go on.
    @Test func aBadInboundSecretRefusesInboundOnly() async throws {
        let config = #"{"inbound_secret":"whsec_c2hvcnQ=","inbound_sources":[{"id":"\#(Self.source)","event_type":"a.b"}]}"#
        let plugin = try await WebhooksPlugin.start(config: config)
        let body = #"{"a":1}"#
        let response = try await post(plugin, body: body, headers: try await signed(body))
        #expect(response.status == 503)
        #expect(try JSONValue(parsing: String(decoding: response.body, as: UTF8.self))["code"]?.text == "WEBHOOK_INBOUND_NOT_CONFIGURED")
        let receiver = try await WebhookReceiver.start()
        let target = try await plugin.prepare("create", settings: #"{"url":"\#(receiver.root)/ok"}"#)
        #expect(try await plugin.deliver(EventEnvelope(type: "a.b", tenantID: "t1", data: "{}"), to: target).verdict == .delivered)
        #expect(plugin.events.events.isEmpty)
        await plugin.close()
    }

    /// Each refusal: its status and code, a problem body, and no event.
    @Test func refusalsPublishNothing() async throws {
        let plugin = try await WebhooksPlugin.start(config: Self.config)
        let body = #"{"a":1}"#
        let now = Int(Date().timeIntervalSince1970)
        let otherSecret = "whsec_" + Data(repeating: 1, count: 24).base64EncodedString()
        let cases: [(String, Int, String, String, [(name: String, value: String)])] = [
            ("bad signature", 401, "WEBHOOK_SIGNATURE_INVALID", body,
             try await signed(body, timestamp: now, signature: try await Self.sign(id: "msg_1", timestamp: now, body: body, secret: otherSecret))),
            ("body changed after signing", 401, "WEBHOOK_SIGNATURE_INVALID", #"{"a":2}"#, try await signed(body, timestamp: now)),
            ("stale timestamp", 401, "WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE", body, try await signed(body, timestamp: now - 6 * 60)),
            ("future timestamp", 401, "WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE", body, try await signed(body, timestamp: now + 6 * 60)),
            ("no signature", 400, "WEBHOOK_HEADERS_MISSING", body, [("Webhook-Id", "msg_1"), ("Webhook-Timestamp", String(now))]),
            ("over 1 MiB", 413, "WEBHOOK_BODY_TOO_LARGE", String(repeating: "a", count: (1 << 20) + 1),
             try await signed(body, signature: "v1,AAAA")),
        ]
        for (name, status, code, sent, headers) in cases {
            let response = try await post(plugin, body: sent, headers: headers)
            #expect(response.status == status, "\(name)")
            #expect(response.headers["content-type"] == "application/problem+json", "\(name)")
            let problem = try JSONValue(parsing: String(decoding: response.body, as: UTF8.self))
            #expect(problem["code"]?.text == code && problem["status"]?.doubleValue == Double(status), "\(name): \(problem)")
        }
        let unknown = try await post(plugin, path: "/src_unknown0123456789", body: body, headers: try await signed(body))
        #expect(unknown.status == 404)
        #expect(plugin.events.events.isEmpty)
        await plugin.close()
    }
}

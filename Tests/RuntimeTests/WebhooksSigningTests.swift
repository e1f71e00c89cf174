import Foundation
import MarketCore
import MarketTestSupport
import PluginRuntime
import Testing

/// The webhooks plugin's signatures, checked by implementations independent of it: the
/// `standardwebhooks` library for "v1" and `cryptography`'s Ed25519 for "v1a".
@Suite struct WebhooksSigningTests {
    static let event = EventEnvelope(type: "lead.created", tenantID: "t1", conversationID: "c1", data: #"{"name":"Ada","n":[1,2.5,"ü"]}"#)

    @Test func v1SignaturesVerifyWithStandardWebhooks() async throws {
        let receiver = try await WebhookReceiver.start()
        let plugin = try await WebhooksPlugin.start()
        let target = try await plugin.prepare("create", settings: #"{"url":"\#(receiver.root)/ok","headers":{"X-Team":"sales"}}"#)
        let secret = try #require(target.secrets["secret"]?.text)
        #expect(secret.hasPrefix("whsec_") && Data(base64Encoded: String(secret.dropFirst(6)))?.count == 24)
        #expect(target.settings["secret"] == nil && target.settings["public_key"] == nil)

        let sentAt = Date().timeIntervalSince1970
        let outcome = try await plugin.deliver(Self.event, to: target)
        #expect(outcome.verdict == .delivered && outcome.status == 200 && outcome.response == "ok", "\(outcome)")
        #expect(outcome.durationMilliseconds != nil)

        let request = try #require(try await receiver.requests().first)
        let headers = try #require(request["headers"])
        #expect(headers["webhook-id"]?.text == Self.event.id)
        #expect(headers["content-type"]?.text == "application/json")
        #expect(headers["x-team"]?.text == "sales")
        let timestamp = try #require(headers["webhook-timestamp"]?.text.flatMap(Double.init))
        #expect(abs(timestamp - sentAt) < 5)
        #expect(headers["webhook-signature"]?.text?.hasPrefix("v1,") == true)
        // The Standard's body: type, timestamp and the event's data byte for byte.
        let timestampText = JSONValue.string(ISO8601Format.string(Self.event.timestamp)).jsonText
        #expect(request["body"]?.text == #"{"type":"lead.created","timestamp":"# + timestampText + #","data":{"name":"Ada","n":[1,2.5,"ü"]}}"#)

        #expect(try await receiver.verify(0, secret: secret).ok)
        let other = try await plugin.prepare("create", settings: #"{"url":"\#(receiver.root)/ok"}"#)
        let wrong = try await receiver.verify(0, secret: try #require(other.secrets["secret"]?.text))
        #expect(!wrong.ok && wrong.error == "No matching signature found")
        await plugin.close()
    }

    @Test func v1aSignaturesVerifyWithTheEndpointsPublicKey() async throws {
        let receiver = try await WebhookReceiver.start()
        let plugin = try await WebhooksPlugin.start()
        let target = try await plugin.prepare("create", settings: #"{"url":"\#(receiver.root)/ok","asymmetric":true}"#)
        let publicKey = try #require(target.settings["public_key"]?.text)
        #expect(publicKey.hasPrefix("whpk_") && target.secrets["secret"]?.text?.hasPrefix("whsk_") == true)

        #expect(try await plugin.deliver(Self.event, to: target).verdict == .delivered)
        let request = try #require(try await receiver.requests().first)
        #expect(request["headers"]?["webhook-signature"]?.text?.hasPrefix("v1a,") == true)
        #expect(try await receiver.verify(0, publicKey: publicKey).ok)
        let other = try await plugin.prepare("create", settings: #"{"url":"\#(receiver.root)/ok","asymmetric":true}"#)
        #expect(try await !receiver.verify(0, publicKey: try #require(other.settings["public_key"]?.text)).ok)
        await plugin.close()
    }

    /// Rotation: the old secret signs beside the new one for the overlap, then stops; prepare
    /// drops it once expired. The overlap is long enough for a loaded machine to deliver within it.
    @Test func bothSecretsVerifyDuringARotationsOverlap() async throws {
        let receiver = try await WebhookReceiver.start()
        let plugin = try await WebhooksPlugin.start()
        let created = try await plugin.prepare("create", settings: #"{"url":"\#(receiver.root)/ok"}"#)
        let old = try #require(created.secrets["secret"]?.text)
        let rotated = try await plugin.prepare("rotate_secret", current: created, overlap: 15)
        let new = try #require(rotated.secrets["secret"]?.text)
        #expect(new != old && new.hasPrefix("whsec_"))
        #expect(rotated.settings == created.settings)
        guard case .array(let previous)? = rotated.secrets["previous"] else {
            Issue.record("no previous secrets in \(rotated.secrets)")
            return
        }
        #expect(previous.count == 1 && previous.first?["secret"]?.text == old)

        #expect(try await plugin.deliver(Self.event, to: rotated).verdict == .delivered)
        #expect(try await receiver.requests().first?["headers"]?["webhook-signature"]?.text?.split(separator: " ").count == 2)
        #expect(try await receiver.verify(0, secret: old).ok)
        #expect(try await receiver.verify(0, secret: new).ok)

        try await Task.sleep(for: .milliseconds(15_100))
        #expect(try await plugin.deliver(Self.event, to: rotated).verdict == .delivered)
        #expect(try await !receiver.verify(1, secret: old).ok)
        #expect(try await receiver.verify(1, secret: new).ok)

        let updated = try await plugin.prepare("update", settings: #"{"description":"orders"}"#, current: rotated)
        #expect(updated.secrets == .object(["secret": .string(new), "previous": .array([])]))
        #expect(updated.settings["description"]?.text == "orders" && updated.settings["url"] == created.settings["url"])
        await plugin.close()
    }

    /// The plugin keeps a target's decoded settings and keys between deliveries; a target whose
    /// stored settings or secrets changed (an update, a rotation) must be signed and sent with
    /// the new ones at once.
    @Test func aChangedTargetIsSignedAndSentWithItsNewSettingsAtOnce() async throws {
        let receiver = try await WebhookReceiver.start()
        let plugin = try await WebhooksPlugin.start()
        let first = try await plugin.prepare("create", settings: #"{"url":"\#(receiver.root)/ok"}"#)
        let second = try await plugin.prepare("create", settings: #"{"url":"\#(receiver.root)/status/202","headers":{"X-Tenant":"acme"}}"#)
        let old = try #require(first.secrets["secret"]?.text), new = try #require(second.secrets["secret"]?.text)
        // Both go to the same target id (the helper's), as a stored target does after an update.
        #expect(try await plugin.deliver(Self.event, to: first).verdict == .delivered)
        #expect(try await plugin.deliver(Self.event, to: second).verdict == .delivered)
        let requests = try await receiver.requests()
        #expect(requests.count == 2)
        #expect(requests.map { $0["path"]?.text } == ["/ok", "/status/202"])
        #expect(requests.last?["headers"]?["x-tenant"]?.text == "acme")
        #expect(try await receiver.verify(0, secret: old).ok)
        #expect(try await receiver.verify(1, secret: new).ok)
        #expect(try await !receiver.verify(1, secret: old).ok)
        await plugin.close()
    }

    @Test func anOperatorsSecretIsCheckedAndMovedToTheSecrets() async throws {
        let plugin = try await WebhooksPlugin.start()
        let given = "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()
        let target = try await plugin.prepare("create", settings: #"{"url":"https://example.com/h","secret":"\#(given)"}"#)
        #expect(target.secrets["secret"]?.text == given)
        #expect(target.settings == .object(["url": .string("https://example.com/h")]))
        await plugin.close()
    }

    @Test(arguments: [
        (#"{"url":"ftp://example.com/x"}"#, "settings.url must use http or https"),
        (#"{"url":"https://user:pw@example.com/x"}"#, "settings.url carries a user name or password"),
        (#"{"description":"no url"}"#, "settings.url is required"),
        (#"{"url":"https://example.com","colour":"red"}"#, "settings.colour is not a setting"),
        (#"{"url":"https://example.com","headers":{"Connection":"close"}}"#, "settings.headers sets Connection"),
        (#"{"url":"https://example.com","headers":{"webhook-id":"x"}}"#, "settings.headers sets webhook-id"),
        (#"{"url":"https://example.com","headers":{"X-A":"a\nb"}}"#, "settings.headers has a value for X-A"),
        (#"{"url":"https://example.com","secret":"whsec_c2hvcnQ="}"#, "settings.secret is not whsec_"),
        (#"{"url":"https://example.com","secret":"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","asymmetric":true}"#, "settings.secret cannot be given"),
        (#"{"url":"https://example.com","timeout_seconds":16}"#, "settings.timeout_seconds must be from 1 to 15"),
        (#"{"url":"https://example.com","asymmetric":"yes"}"#, "settings.asymmetric has the wrong type"),
    ])
    func badSettingsAreRefusedByName(settings: String, message: String) async throws {
        let plugin = try await WebhooksPlugin.start()
        let error = await expectError(.pluginFailed) { try await plugin.prepare("create", settings: settings) }
        let failure = error?.underlying as? PluginCallFailure
        #expect(failure?.statusName == "INVALID_ARGUMENT")
        #expect(failure?.message.hasPrefix(message) == true, "\(failure?.message ?? "no failure")")
        await plugin.close()
    }
}

enum ISO8601Format {
    /// The envelope's timestamp as `EventEnvelope.jsonText` writes it.
    static func string(_ date: Date) -> String {
        guard case .object(let members)? = try? JSONValue(parsing: EventEnvelope(type: "a.b", timestamp: date, tenantID: "t", data: "{}").jsonText),
              case .string(let text)? = members["timestamp"] else { return "" }
        return text
    }
}

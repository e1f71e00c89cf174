import Foundation
import MarketCore
import MarketTestSupport
import PluginRuntime
import Testing

/// What the webhooks plugin makes of each kind of answer, and of no answer, from a real
/// endpoint on loopback.
@Suite struct WebhooksDeliveryTests {
    let event = EventEnvelope(type: "lead.created", tenantID: "t1", data: #"{"name":"Ada"}"#)

    func deliver(to path: String, receiver: WebhookReceiver, settings extra: String = "") async throws -> TargetOutcome {
        let plugin = try await WebhooksPlugin.start()
        let target = try await plugin.prepare("create", settings: #"{"url":"\#(receiver.root)\#(path)"\#(extra)}"#)
        let outcome = try await plugin.deliver(event, to: target)
        await plugin.close()
        return outcome
    }

    @Test func a410DisablesTheEndpoint() async throws {
        let receiver = try await WebhookReceiver.start()
        let outcome = try await deliver(to: "/status/410", receiver: receiver)
        #expect(outcome.verdict == .disableTarget && outcome.status == 410 && outcome.response == "status body", "\(outcome)")
        #expect(outcome.error?.contains("410") == true)
    }

    @Test(arguments: [429, 502, 503, 504])
    func retryAfterInSecondsIsPassedOn(status: Int) async throws {
        let receiver = try await WebhookReceiver.start()
        let outcome = try await deliver(to: "/status/\(status)?retry_after=7", receiver: receiver)
        #expect(outcome.verdict == .retry && outcome.status == status && outcome.retryAfterSeconds == 7, "\(outcome)")
    }

    @Test func retryAfterAsAnHTTPDateBecomesSeconds() async throws {
        let receiver = try await WebhookReceiver.start()
        let plugin = try await WebhooksPlugin.start()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let until = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) + 30)
        let date = formatter.string(from: until).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let target = try await plugin.prepare("create", settings: #"{"url":"\#(receiver.root)/status/429?retry_after=\#(date)"}"#)
        let before = Date()
        let outcome = try await plugin.deliver(event, to: target)
        let after = Date()
        #expect(outcome.verdict == .retry && outcome.status == 429)
        // Whole seconds from the plugin's now, which lies between before and after.
        let earliest = Int(until.timeIntervalSince(after).rounded(.up)), latest = Int(until.timeIntervalSince(before).rounded(.up))
        #expect((earliest...latest).contains(outcome.retryAfterSeconds ?? -1), "\(outcome), expected \(earliest)...\(latest)")
        #expect(latest <= 30)
        await plugin.close()
    }

    @Test func a500RetriesOnTheSchedule() async throws {
        let receiver = try await WebhookReceiver.start()
        // Retry-After counts only with 429, 502, 503 and 504.
        let outcome = try await deliver(to: "/status/500?retry_after=9", receiver: receiver)
        #expect(outcome == TargetOutcome(verdict: .retry, status: 500, durationMilliseconds: outcome.durationMilliseconds,
                                         response: "status body", error: "the endpoint answered 500"))
    }

    @Test func aRedirectIsNotFollowed() async throws {
        let receiver = try await WebhookReceiver.start()
        let outcome = try await deliver(to: "/status/301?location=/ok", receiver: receiver)
        #expect(outcome.verdict == .retry && outcome.status == 301 && outcome.error?.contains("not followed") == true, "\(outcome)")
        #expect(try await receiver.requests().map { $0["path"]?.text } == ["/status/301"])
    }

    @Test func aClosedPortRetriesWithTheError() async throws {
        // The port of a receiver that was killed: nothing listens there any more.
        var gone: WebhookReceiver? = try await WebhookReceiver.start()
        let port = try #require(gone?.server.port)
        gone = nil
        try await Task.sleep(for: .milliseconds(200))
        let plugin = try await WebhooksPlugin.start()
        let target = try await plugin.prepare("create", settings: #"{"url":"http://127.0.0.1:\#(port)/ok"}"#)
        let outcome = try await plugin.deliver(event, to: target)
        #expect(outcome.verdict == .retry && outcome.status == nil, "\(outcome)")
        #expect(outcome.error == "could not connect to the endpoint (DNS, connection or TLS failure)")
        await plugin.close()
    }

    @Test func aHangingEndpointCostsTheTimeout() async throws {
        let receiver = try await WebhookReceiver.start()
        // Only the delivery is timed: loading the plugin beside a suite's other tests can take
        // longer than the timeout itself.
        let plugin = try await WebhooksPlugin.start()
        let target = try await plugin.prepare("create", settings: #"{"url":"\#(receiver.root)/hang","timeout_seconds":1}"#)
        let started = ContinuousClock.now
        let outcome = try await plugin.deliver(event, to: target)
        let elapsed = ContinuousClock.now - started
        await plugin.close()
        #expect(outcome.verdict == .retry && outcome.status == nil && outcome.error == "no complete answer within 1 s", "\(outcome)")
        #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(5), "\(elapsed)")
        #expect((900..<5_000).contains(outcome.durationMilliseconds ?? 0))
    }

    /// A 20 MB answer: the transfer stops at the KiB the attempt log keeps. A host whose
    /// market.http/1 reports the status with MK_ERR_TOO_LARGE (ABI 1.1) makes it a delivery with
    /// that KiB; an older one reports no status, which the plugin says instead of guessing.
    @Test func aTwentyMegabyteAnswerIsReadNoFurtherThanTheLogNeeds() async throws {
        // How early the transfer stopped is asserted by the bytes the receiver managed to send,
        // not by the wall clock, which a loaded machine stretches.
        let receiver = try await WebhookReceiver.start()
        let outcome = try await deliver(to: "/big", receiver: receiver)
        if outcome.status != nil {
            #expect(outcome.verdict == .delivered && outcome.status == 200, "\(outcome)")
            #expect(outcome.response == String(repeating: "x", count: 1024))
        } else {
            #expect(outcome.verdict == .retry && outcome.response == nil, "\(outcome)")
            #expect(outcome.error?.hasPrefix("the answer was longer than 1024 bytes") == true, "\(outcome)")
        }
        // The receiver could not write the whole body: the connection was closed early (a client
        // that neither read nor closed would leave the receiver writing, and /big-sent at 0).
        var sent = 0
        for _ in 0..<100 where sent == 0 {
            sent = Int(try await receiver.get("/big-sent")) ?? 0
            if sent == 0 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(sent > 0 && sent < 20 * 1024 * 1024, "sent \(sent) bytes")
    }
}

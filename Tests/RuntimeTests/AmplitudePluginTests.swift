import Foundation
import MarketCore
import MarketTestSupport
import MetricsTestKit
import PluginRuntime
import Testing

/// The amplitude plugin (Swift, PluginKit) against a loopback Amplitude that checks what
/// Amplitude checks and answers its documented 400, 413 and 429 bodies.
@Suite struct AmplitudePluginTests {
    @Test func aBatchGoesOutInRequestsOfTheBatchSizeAsAmplitudeEvents() async throws {
        let fake = try await FakeAmplitude.start()
        let plugin = try await AmplitudePlugin.start(fake, settings: #""batch_size":10"#)
        #expect(plugin.instance.takesEventBatches)
        var events = (0..<25).map { AmplitudePlugin.event($0, user: "u\($0 % 3)") }
        events[23] = AmplitudePlugin.event(23, user: nil)
        events[24] = EventEnvelope(type: "crm.synced", tenantID: "t1", data: #"{"n":24,"tenant_id":"forged"}"#)
        #expect(try await plugin.instance.deliver(batch: events) == Array(repeating: .acknowledged, count: 25))

        let received = try await fake.received()
        #expect(received.sizes == [10, 10, 5] && received.statuses == [200, 200, 200])
        #expect(received.events.count == 25 && received.duplicates.isEmpty)
        for (event, sent) in zip(events, received.events) {
            #expect(sent["event_type"]?.text == event.type)
            #expect(sent["insert_id"]?.text == event.id)
            #expect(sent["time"] == (try AmplitudePlugin.expectedTime(event)))
            let properties = try #require(sent["event_properties"])
            #expect(properties["n"] == (try JSONValue(parsing: event.data))["n"])
            #expect(properties["tenant_id"]?.text == "t1", "the host's tenant wins over data's")
            #expect(properties["conversation_id"] == (event.conversationID.map { .string($0) } ?? .null))
        }
        #expect(received.events[0]["user_id"]?.text == "u0" && received.events[0]["device_id"] == nil)
        #expect(received.events[0]["user_properties"] == .object(["experiment_models": .string("b")]))
        #expect(received.events[23]["user_id"] == nil && received.events[23]["device_id"]?.text == "conversation:c23")
        #expect(received.events[24]["device_id"]?.text == "tenant:t1" && received.events[24]["user_properties"] == nil)
        #expect(try plugin.metrics.expectCounter("plugin_amplitude_requests_total", [("tenant", "t1")]).totalValue == 3)
        #expect(try plugin.metrics.expectCounter("plugin_amplitude_events_sent_total", [("tenant", "t1")]).totalValue == 25)
        await plugin.close()
    }

    @Test func aRedeliveredEventKeepsItsInsertIDAndTime() async throws {
        let fake = try await FakeAmplitude.start()
        let plugin = try await AmplitudePlugin.start(fake)
        let event = AmplitudePlugin.event(1)
        #expect(try await plugin.instance.deliver(batch: [event, AmplitudePlugin.event(2)]) == [.acknowledged, .acknowledged])
        // Again, alone: through market.events/1, PluginKit's batch of one.
        #expect(try await plugin.instance.deliver(event) == .acknowledged)
        let received = try await fake.received()
        #expect(received.events.count == 2)
        let duplicate = try #require(received.duplicates.first)
        #expect(received.duplicates.count == 1)
        #expect(duplicate["insert_id"]?.text == event.id && duplicate["time"] == received.events[0]["time"])
        await plugin.close()
    }

    @Test func a400NamingEventsRejectsOnlyThoseAndTheOthersArrive() async throws {
        let fake = try await FakeAmplitude.start()
        let plugin = try await AmplitudePlugin.start(fake)
        var events = (0..<5).map { AmplitudePlugin.event($0) }
        events[1] = AmplitudePlugin.event(1, extra: #","invalid":true"#)
        events[3] = AmplitudePlugin.event(3, extra: #","invalid":true"#)
        let outcomes = try await plugin.instance.deliver(batch: events)
        for index in [1, 3] {
            guard case .rejected(let why) = outcomes[index] else {
                Issue.record("event \(index) was not rejected: \(outcomes[index])")
                continue
            }
            #expect(why.contains("HTTP 400") && why.contains("invalid field 'event_properties'"), "\(why)")
        }
        #expect([0, 2, 4].allSatisfy { outcomes[$0] == .acknowledged }, "\(outcomes)")
        let received = try await fake.received()
        #expect(received.sizes == [5, 3] && received.statuses == [400, 200])
        #expect(received.events.map { $0["event_properties"]?["n"] } == [0, 2, 4].map { .integer($0) })
        await plugin.close()
    }

    @Test func a400NamingNoEventSendsThemOneByOne() async throws {
        let fake = try await FakeAmplitude.start()
        let plugin = try await AmplitudePlugin.start(fake)
        try await fake.fail(400, count: 2)
        let outcomes = try await plugin.instance.deliver(batch: (0..<3).map { AmplitudePlugin.event($0) })
        // The batch and then the first event alone are refused; the other two go through.
        guard case .rejected(let why) = outcomes[0] else {
            Issue.record("the event refused alone was not rejected: \(outcomes)")
            return
        }
        #expect(why.contains("HTTP 400") && outcomes[1] == .acknowledged && outcomes[2] == .acknowledged, "\(outcomes)")
        let received = try await fake.received()
        #expect(received.sizes == [3, 1, 1, 1] && received.statuses == [400, 400, 200, 200])
        await plugin.close()
    }

    @Test func a413SplitsTheRequestInHalves() async throws {
        let fake = try await FakeAmplitude.start()
        let plugin = try await AmplitudePlugin.start(fake)
        let events = (0..<8).map { AmplitudePlugin.event($0, extra: #","text":"\#(String(repeating: "x", count: 1200))""#) }
        try await fake.limit(bytes: 5000)
        #expect(try await plugin.instance.deliver(batch: events) == Array(repeating: .acknowledged, count: 8))
        let received = try await fake.received()
        #expect(received.sizes == [8, 4, 2, 2, 4, 2, 2] && received.statuses == [413, 413, 200, 200, 413, 200, 200], "\(received.requests)")
        #expect(received.events.map { $0["insert_id"]?.text } == events.map(\.id))
        await plugin.close()
    }

    @Test func a429RetriesTheThrottledEventsAndSendsTheOthersAtOnce() async throws {
        let fake = try await FakeAmplitude.start()
        let plugin = try await AmplitudePlugin.start(fake)
        let events = (0..<6).map { AmplitudePlugin.event($0, user: $0 % 3 == 0 ? "hot" : "calm\($0)") }
        try await fake.throttle(users: ["hot"], count: 1)
        let outcomes = try await plugin.instance.deliver(batch: events)
        for index in [0, 3] {
            guard case .retryLater(let why) = outcomes[index] else {
                Issue.record("throttled event \(index) was not retried: \(outcomes[index])")
                continue
            }
            #expect(why.contains("HTTP 429") && why.contains("30 events per second"), "\(why)")
        }
        #expect([1, 2, 4, 5].allSatisfy { outcomes[$0] == .acknowledged }, "\(outcomes)")
        var received = try await fake.received()
        #expect(received.sizes == [6, 4] && received.statuses == [429, 200])
        // On the host's next try, the throttled events go through.
        #expect(try await plugin.instance.deliver(batch: [events[0], events[3]]) == [.acknowledged, .acknowledged])
        received = try await fake.received()
        #expect(Set(received.events.compactMap { $0["insert_id"]?.text }) == Set(events.map(\.id)) && received.duplicates.isEmpty)
        await plugin.close()
    }

    @Test func a429OverTheDailyQuotaRejectsTheUsersEvents() async throws {
        let fake = try await FakeAmplitude.start()
        let plugin = try await AmplitudePlugin.start(fake)
        try await fake.throttle(users: ["flood"], count: 1, dailyQuota: true)
        let outcomes = try await plugin.instance.deliver(batch: [AmplitudePlugin.event(0, user: "flood"), AmplitudePlugin.event(1)])
        guard case .rejected(let why) = outcomes[0] else {
            Issue.record("the event over the daily quota was not rejected: \(outcomes)")
            return
        }
        #expect(why.contains("daily quota") && outcomes[1] == .acknowledged, "\(outcomes)")
        await plugin.close()
    }

    @Test func aServerErrorIsRetriedAndTheEventsGoThroughAfterwards() async throws {
        let fake = try await FakeAmplitude.start()
        let plugin = try await AmplitudePlugin.start(fake)
        let events = (0..<3).map { AmplitudePlugin.event($0) }
        try await fake.fail(503, count: 1)
        let first = try await plugin.instance.deliver(batch: events)
        #expect(first.allSatisfy { if case .retryLater(let why) = $0 { why.contains("HTTP 503") } else { false } }, "\(first)")
        #expect(try await fake.received().events.isEmpty)
        #expect(try await plugin.instance.deliver(batch: events) == Array(repeating: .acknowledged, count: 3))
        #expect(try await fake.received().events.count == 3)
        await plugin.close()
    }

    @Test func anEventOverOneMegabyteIsDroppedWithALogLineAndAMetric() async throws {
        let fake = try await FakeAmplitude.start()
        let plugin = try await AmplitudePlugin.start(fake)
        let huge = AmplitudePlugin.event(1, extra: #","text":"\#(String(repeating: "x", count: 1_100_000))""#)
        let outcomes = try await plugin.instance.deliver(batch: [huge, AmplitudePlugin.event(2)])
        guard case .rejected(let why) = outcomes[0] else {
            Issue.record("the huge event was not dropped: \(outcomes)")
            return
        }
        #expect(why.contains("over 1 MB") && outcomes[1] == .acknowledged)
        #expect(try await fake.received().events.map { $0["event_properties"]?["n"] } == [.integer(2)])
        #expect(plugin.logs.lines.text.contains("event over 1 MB dropped"))
        #expect(try plugin.metrics.expectCounter("plugin_amplitude_events_dropped_too_large_total", [("tenant", "t1")]).totalValue == 1)
        await plugin.close()
    }

    @Test func aRefusedAPIKeyIsRetriedWithTheFixAndNoKeyIsEchoed() async throws {
        let fake = try await FakeAmplitude.start()
        let wrongKey = "amp_someone_elses_key_987"
        let plugin = try await AmplitudePlugin.start(fake, apiKey: wrongKey)
        let outcomes = try await plugin.instance.deliver(batch: [AmplitudePlugin.event(1), AmplitudePlugin.event(2)])
        #expect(outcomes.allSatisfy {
            if case .retryLater(let why) = $0 { why.contains("HTTP 400, invalid API key") && why.contains("market secret set amplitude api_key --tenant t1") } else { false }
        }, "\(outcomes)")
        // The fake, as Amplitude, echoed the refused key in its answer.
        #expect(try await fake.received().statuses == [400])
        for text in [outcomes.description, plugin.logs.lines.text] {
            #expect(!text.contains(wrongKey) && !text.contains(FakeAmplitude.apiKey), "no key is echoed")
        }
        await plugin.close()
    }

    /// The instance starts without its key (so it can be probed, packed and installed); its
    /// events wait, retried with the fix.
    @Test func withoutAnAPIKeyEventsWaitWithTheFix() async throws {
        let fake = try await FakeAmplitude.start()
        let plugin = try await AmplitudePlugin.start(fake, apiKey: nil)
        let outcomes = try await plugin.instance.deliver(batch: [AmplitudePlugin.event(1), AmplitudePlugin.event(2)])
        #expect(outcomes.allSatisfy { if case .retryLater(let why) = $0 { why.contains("market secret set amplitude api_key --tenant t1") } else { false } },
                "\(outcomes)")
        #expect(try await fake.received().requests.isEmpty)
        await plugin.close()
    }
}

import Foundation
import MarketCore
import MarketTestSupport
import MetricsTestKit
import PluginRuntime
import Testing

/// The posthog plugin (C) against a loopback PostHog that checks what PostHog checks: batches by
/// size and by age, the event's own id and time on every delivery, retries, one bad event refused
/// alone, oversized events dropped with a log line and a metric.
@Suite struct PostHogPluginTests {
    @Test func aBatchGoesOutInRequestsOfTheBatchSizeAsPostHogEvents() async throws {
        let fake = try await FakePostHog.start()
        let plugin = try await PostHogPlugin.start(fake, settings: #""batch_size":10"#)
        #expect(plugin.instance.takesEventBatches)
        // What `market plugin inspect` lists.
        #expect(plugin.instance.library.capabilities == ["market.events/1", "market.event-batches/1"])
        let events = (0..<25).map { PostHogPlugin.event($0, user: "u\($0 % 3)") }
        #expect(try await plugin.instance.deliver(batch: events) == Array(repeating: .acknowledged, count: 25))

        let received = try await fake.received()
        #expect(received.requests.map { $0["events"] } == [.integer(10), .integer(10), .integer(5)])
        #expect(received.events.count == 25)
        for (event, sent) in zip(events, received.events) {
            #expect(sent["event"]?.text == "message.received")
            #expect(sent["uuid"]?.text == (try await PostHogPlugin.expectedUUID(event)))
            #expect(sent["timestamp"]?.text == Timestamp.format(event.timestamp))
            let properties = try #require(sent["properties"])
            #expect(properties["distinct_id"] == (try JSONValue(parsing: event.data))["user_id"])
            #expect(properties["n"] == (try JSONValue(parsing: event.data))["n"])
            #expect(properties["conversation_id"]?.text == event.conversationID && properties["tenant_id"]?.text == "t1")
            #expect(properties["$feature/models"]?.text == "b" && properties["variant"]?.text == "b" && properties["experiment"]?.text == "models")
        }
        await plugin.close()
    }

    @Test func eventsHandedOverOneByOneShareARequestBySizeOrByAge() async throws {
        let fake = try await FakePostHog.start()
        let plugin = try await PostHogPlugin.start(fake, settings: #""batch_size":5,"flush_interval_ms":400"#)
        // Five at once fill a request and go without waiting for the age.
        let started = ContinuousClock.now
        let full = await withTaskGroup(of: EventDeliveryOutcome?.self) { group in
            for n in 0..<5 { group.addTask { try? await plugin.instance.deliver(PostHogPlugin.event(n)) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(full.allSatisfy { $0 == .acknowledged })
        #expect(try await fake.received().requests.map { $0["events"] } == [.integer(5)])
        // Two wait for the age, then share one request.
        let pair = await withTaskGroup(of: EventDeliveryOutcome?.self) { group in
            for n in 5..<7 { group.addTask { try? await plugin.instance.deliver(PostHogPlugin.event(n)) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let waited = ContinuousClock.now - started
        #expect(pair.allSatisfy { $0 == .acknowledged })
        #expect(try await fake.received().requests.map { $0["events"] } == [.integer(5), .integer(2)])
        #expect(waited >= .milliseconds(380), "the pair waited for the age: \(waited)")
        await plugin.close()
    }

    @Test func aRedeliveredEventKeepsItsUUIDAndTimestamp() async throws {
        let fake = try await FakePostHog.start()
        let plugin = try await PostHogPlugin.start(fake, settings: #""flush_interval_ms":0"#)
        let event = PostHogPlugin.event(1)
        #expect(try await plugin.instance.deliver(batch: [event, PostHogPlugin.event(2)]) == [.acknowledged, .acknowledged])
        #expect(try await plugin.instance.deliver(event) == .acknowledged)
        let sent = try await fake.received().events.filter { $0["properties"]?["n"] == .integer(1) }
        #expect(sent.count == 2)
        #expect(sent[0]["uuid"] == sent[1]["uuid"] && sent[0]["timestamp"] == sent[1]["timestamp"])
        await plugin.close()
    }

    @Test func aServerErrorIsRetriedAndTheEventsGoThroughAfterwards() async throws {
        let fake = try await FakePostHog.start()
        let plugin = try await PostHogPlugin.start(fake)
        let events = (0..<3).map { PostHogPlugin.event($0) }
        try await fake.fail(503, count: 1)
        let first = try await plugin.instance.deliver(batch: events)
        #expect(first.allSatisfy { if case .retryLater(let why) = $0 { why.contains("HTTP 503") } else { false } }, "\(first)")
        #expect(try await fake.received().events.isEmpty)
        #expect(try await plugin.instance.deliver(batch: events) == Array(repeating: .acknowledged, count: 3))
        #expect(try await fake.received().events.count == 3)
        await plugin.close()
    }

    @Test func anEventPostHogRefusesIsRejectedAloneWhileTheRestOfItsBatchGoesThrough() async throws {
        let fake = try await FakePostHog.start()
        let plugin = try await PostHogPlugin.start(fake)
        var events = (0..<5).map { PostHogPlugin.event($0) }
        events[2] = PostHogPlugin.event(2, extra: #","invalid":true"#)
        let outcomes = try await plugin.instance.deliver(batch: events)
        #expect(outcomes.enumerated().allSatisfy { index, outcome in
            index == 2 ? { if case .rejected(let why) = outcome { why.contains("HTTP 400") } else { false } }() : outcome == .acknowledged
        }, "\(outcomes)")
        #expect(try await fake.received().events.compactMap { $0["properties"]?["n"] } == [0, 1, 3, 4].map { .integer($0) })
        await plugin.close()
    }

    @Test func anEventOverOneMegabyteIsDroppedWithALogLineAndAMetric() async throws {
        let fake = try await FakePostHog.start()
        let plugin = try await PostHogPlugin.start(fake)
        let huge = PostHogPlugin.event(1, extra: #","text":"\#(String(repeating: "x", count: 1_100_000))""#)
        let outcomes = try await plugin.instance.deliver(batch: [huge, PostHogPlugin.event(2)])
        guard case .rejected(let why) = outcomes[0] else {
            Issue.record("the huge event was not dropped: \(outcomes)")
            return
        }
        #expect(why.contains("over 1 MB") && outcomes[1] == .acknowledged)
        #expect(try await fake.received().events.map { $0["properties"]?["n"] } == [.integer(2)])
        #expect(plugin.logs.lines.text.contains("event over 1 MB dropped"))
        #expect(try plugin.metrics.expectCounter("plugin_posthog_events_dropped_too_large_total", [("tenant", "t1")]).totalValue == 1)
        await plugin.close()
    }

    @Test func aRefusedAPIKeyIsRetriedWithTheFix() async throws {
        let fake = try await FakePostHog.start()
        let plugin = try await PostHogPlugin.start(fake, apiKey: "phc_someone_elses")
        let outcomes = try await plugin.instance.deliver(batch: [PostHogPlugin.event(1), PostHogPlugin.event(2)])
        #expect(outcomes.allSatisfy { if case .retryLater(let why) = $0 { why.contains("HTTP 401") && why.contains("check the api_key secret") } else { false } },
                "\(outcomes)")
        #expect(!outcomes.description.contains(FakePostHog.apiKey) && !outcomes.description.contains("phc_someone_elses"), "no key is echoed")
        await plugin.close()
    }

    /// The instance starts without its key (so it can be probed, packed and installed); its
    /// events wait, retried with the fix, and go once the key is set.
    @Test func withoutAnAPIKeyEventsWaitWithTheFix() async throws {
        let fake = try await FakePostHog.start()
        let plugin = try await PostHogPlugin.start(fake, apiKey: nil)
        let outcomes = try await plugin.instance.deliver(batch: [PostHogPlugin.event(1), PostHogPlugin.event(2)])
        #expect(outcomes.allSatisfy { if case .retryLater(let why) = $0 { why.contains("market secret set posthog api_key") } else { false } }, "\(outcomes)")
        #expect(try await fake.received().requests.isEmpty)
        await plugin.close()
    }
}

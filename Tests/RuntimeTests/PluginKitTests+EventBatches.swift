import Foundation
import MarketCore
import PluginKit
import PluginRuntime
import Testing

/// PluginKit's `EventBatchPlugin`: market.event-batches/1 from a Swift plugin.
extension PluginKitTests {
    @Test func aBatchPluginOffersEventBatchesAndAnswersRowByRow() async throws {
        let probe = try await probe()
        #expect(probe.instance.takesEventBatches)
        let events = [
            EventEnvelope(type: "lead.created", tenantID: "t9", data: #"{"name":"Ada"}"#),
            EventEnvelope(type: "probe.retry", tenantID: "t9", data: "{}"),
            EventEnvelope(type: "probe.reject", tenantID: "t9", data: "{}"),
            EventEnvelope(type: "lead.updated", tenantID: "t9", data: #"{"name":"Bo"}"#),
        ]
        let outcomes = try await probe.instance.deliver(batch: events)
        #expect(outcomes == [.acknowledged, .retryLater("later, \(events[1].id)"), .rejected("never, \(events[2].id)"), .acknowledged])
        let namespace = KeyValueNamespace(tenantID: "t9", pluginID: "pluginkit-probe")
        #expect(try probe.store.get(namespace, key: "batch-\(events[0].id)") == Array("lead.created".utf8))
        #expect(try probe.store.get(namespace, key: "batch-\(events[3].id)") == Array("lead.updated".utf8))
        await probe.close()
    }

    @Test func aThrownErrorRetriesEveryEventOfTheBatch() async throws {
        let probe = try await probe()
        let events = ["lead.created", "probe.fail", "probe.reject"].map { EventEnvelope(type: $0, tenantID: "t9", data: #"{"name":"Ada"}"#) }
        let outcomes = try await probe.instance.deliver(batch: events)
        #expect(outcomes == Array(repeating: .retryLater("the CRM is down for the batch"), count: 3))
        await probe.close()
    }

    @Test func theResultsAreEscapedJSONWithOneEntryPerEvent() async throws {
        let probe = try await probe()
        // An event id with quotes and a newline reaches the results inside an error text.
        let event = EventEnvelope(id: "evt_\"quoted\"\nline", type: "probe.reject", tenantID: "t9", data: "{}")
        #expect(try await probe.instance.deliver(batch: [event, EventEnvelope(type: "lead.created", tenantID: "t9", data: #"{"name":"A"}"#)])
                == [.rejected("never, evt_\"quoted\"\nline"), .acknowledged])
        await probe.close()
    }
}

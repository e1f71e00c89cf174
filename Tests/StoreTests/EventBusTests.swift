import Foundation
import MarketCore
import MarketStore
import PluginRuntime
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// Publishing: one event row, one delivery row per matching subscriber, idempotent by id.
    @Suite struct EventBusTests {
        let acmeCRM = Subscriber(tenantID: "acme", pluginID: "crm")
        let acmeAnalytics = Subscriber(tenantID: "acme", pluginID: "analytics")
        let acmeWebhooks = Subscriber(tenantID: "acme", pluginID: "webhooks")
        let globexCRM = Subscriber(tenantID: "globex", pluginID: "crm")

        @Test func eventsFanOutToTheSubscribersWhosePatternsMatch() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm", "acme/analytics", "acme/webhooks", "globex/crm"])
            try await fixture.install("acme/disabled", enabled: false)
            try await fixture.bus.subscribe(acmeCRM, to: ["lead.*"])
            try await fixture.bus.subscribe(acmeAnalytics, to: ["*"])
            try await fixture.bus.subscribe(acmeWebhooks, to: ["lead.won", "deal.*", "lead.won"])
            try await fixture.bus.subscribe(globexCRM, to: ["*"])
            try await fixture.bus.subscribe(Subscriber(tenantID: "acme", pluginID: "disabled"), to: ["*"])

            let created = EventEnvelope(type: "lead.created", tenantID: "acme", data: #"{"name":"Ada"}"#)
            let won = EventEnvelope(type: "lead.won", tenantID: "acme", data: "{}")
            let note = EventEnvelope(type: "note.added", tenantID: "acme", data: "{}")
            let leadless = EventEnvelope(type: "lead", tenantID: "acme", data: "{}")
            let result = try await fixture.bus.publish([created, won, note, leadless])
            #expect(result == EventBus.PublishResult(events: 4, deliveries: 7))

            #expect(Set(try await fixture.rows(of: created.id).keys) == ["crm", "analytics"])
            #expect(Set(try await fixture.rows(of: won.id).keys) == ["crm", "analytics", "webhooks"])
            #expect(Set(try await fixture.rows(of: note.id).keys) == ["analytics"])
            // `lead.*` matches below `lead`, not `lead` itself; globex never sees acme's events.
            #expect(Set(try await fixture.rows(of: leadless.id).keys) == ["analytics"])
            #expect(try await fixture.rows(of: created.id).values.allSatisfy { $0.status == "pending" && $0.attempts == 0 })
            await fixture.shutdown()
        }

        @Test func publishingAnIdTwiceWritesItOnce() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm"])
            try await fixture.bus.subscribe(acmeCRM, to: ["*"])
            let event = EventEnvelope(type: "lead.created", tenantID: "acme", data: #"{"n":1}"#)
            #expect(try await fixture.bus.publish(event) == EventBus.PublishResult(events: 1, deliveries: 1))
            var changed = event
            changed.data = #"{"n":2}"#
            #expect(try await fixture.bus.publish(changed) == EventBus.PublishResult(events: 0, deliveries: 0))
            #expect(try await fixture.bus.publish([event, event]) == EventBus.PublishResult(events: 0, deliveries: 0))
            let stored = try await fixture.pool.query("SELECT count(*)::int8 AS n, min(data::text) AS data FROM events")
            #expect(try stored.first?.decode("n", as: Int.self) == 1)
            #expect(try stored.first?.decode("data", as: String.self) == #"{"n": 1}"#)
            #expect(try await fixture.rows(of: event.id).count == 1)
            await fixture.shutdown()
        }

        @Test func theBlockingPathPublishesAsPluginsDo() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm"])
            try await fixture.bus.subscribe(acmeCRM, to: ["dice.*"])
            let event = EventEnvelope(type: "dice.rolled", tenantID: "acme", conversationID: "c1", data: #"{"total":7}"#)
            let publisher: any EventPublisher = fixture.bus
            try await onThread { try publisher.publish(event) }
            let stored = try await fixture.bus.events(after: 0)
            #expect(stored.map(\.envelope.id) == [event.id])
            #expect(stored.first?.envelope.conversationID == "c1")
            #expect(try await fixture.rows(of: event.id)["crm"]?.status == "pending")
            await fixture.shutdown()
        }

        @Test func badEnvelopesAreRefusedAndNothingIsWritten() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm"])
            let good = EventEnvelope(type: "lead.created", tenantID: "acme", data: "{}")
            for bad in [
                EventEnvelope(type: "Lead Created", tenantID: "acme", data: "{}"),
                EventEnvelope(type: "lead.created", tenantID: "acme", data: "[1]"),
                EventEnvelope(type: "lead.created", tenantID: "acme", data: "{nope"),
                EventEnvelope(id: "", type: "lead.created", tenantID: "acme", data: "{}"),
                EventEnvelope(type: "lead.created", tenantID: "", data: "{}"),
            ] {
                let error = await #expect(throws: MarketError.self) { try await fixture.bus.publish([good, bad]) }
                #expect(error?.code == .eventInvalid)
                #expect(error?.fix.isEmpty == false)
            }
            let unknownTenant = await #expect(throws: MarketError.self) {
                try await fixture.bus.publish([good, EventEnvelope(type: "lead.created", tenantID: "nobody", data: "{}")])
            }
            #expect(unknownTenant?.code == .eventInvalid)
            #expect(unknownTenant?.message.contains("nobody") == true)
            #expect(try await fixture.bus.events(after: 0).isEmpty)
            await fixture.shutdown()
        }

        @Test func subscriptionsAreCheckedReplacedAndListed() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm"])
            let badPattern = await #expect(throws: MarketError.self) { try await fixture.bus.subscribe(acmeCRM, to: ["lead.*.x*"]) }
            #expect(badPattern?.code == .subscriptionInvalid)
            let notInstalled = await #expect(throws: MarketError.self) {
                try await fixture.bus.subscribe(Subscriber(tenantID: "acme", pluginID: "ghost"), to: ["*"])
            }
            #expect(notInstalled?.code == .subscriptionInvalid)
            try await fixture.bus.subscribe(acmeCRM, to: ["lead.*", "deal.won"])
            #expect(try await fixture.bus.subscriptions(tenantID: "acme") == [acmeCRM: ["deal.won", "lead.*"]])
            try await fixture.bus.replaceSubscriptions(of: acmeCRM, with: ["note.*"])
            #expect(try await fixture.bus.subscriptions(tenantID: "acme") == [acmeCRM: ["note.*"]])
            try await fixture.bus.unsubscribe(acmeCRM)
            #expect(try await fixture.bus.subscriptions(tenantID: "acme").isEmpty)
            await fixture.shutdown()
        }

        @Test func eventsAreReadBackByTenantAndPattern() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm", "globex/crm"])
            let first = EventEnvelope(type: "lead.created", tenantID: "acme", experiment: .object(["model": .string("b")]), data: #"{"a":[1,2]}"#)
            try await fixture.bus.publish([first, EventEnvelope(type: "note.added", tenantID: "acme", data: "{}"),
                                           EventEnvelope(type: "lead.won", tenantID: "globex", data: "{}")])
            let leads = try await fixture.bus.events(after: 0, tenantID: "acme", pattern: EventTypePattern("lead.*"))
            #expect(leads.map(\.envelope.id) == [first.id])
            #expect(leads.first?.envelope.experiment == .object(["model": .string("b")]))
            #expect(leads.first.map { abs($0.envelope.timestamp.timeIntervalSince(first.timestamp)) < 0.002 } == true)
            let latest = try await fixture.bus.latestSeq()
            #expect(try await fixture.bus.events(after: 0).count == 3)
            #expect(try await fixture.bus.events(after: latest).isEmpty)
            await fixture.shutdown()
        }
    }
}

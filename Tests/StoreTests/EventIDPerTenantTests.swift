import MarketCore
import MarketStore
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// Event ids are unique within a tenant: another tenant's use of an id neither blocks an
    /// event nor shows.
    @Suite struct EventIDPerTenantTests {
        @Test func twoTenantsPublishTheSameIDAndEachEventIsStoredAndDeliveredToItsTenant() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm", "globex/crm"])
            let acme = Subscriber(tenantID: "acme", pluginID: "crm")
            let globex = Subscriber(tenantID: "globex", pluginID: "crm")
            try await fixture.bus.subscribe(acme, to: ["*"])
            try await fixture.bus.subscribe(globex, to: ["*"])
            // Globex takes the id first, as a tenant trying to block acme's event would.
            let squatter = EventEnvelope(id: "order-1", type: "order.paid", tenantID: "globex", conversationID: "c1", data: #"{"by":"globex"}"#)
            let real = EventEnvelope(id: "order-1", type: "order.paid", tenantID: "acme", conversationID: "c1", data: #"{"by":"acme"}"#)
            #expect(try await fixture.bus.publish(squatter) == EventBus.PublishResult(events: 1, deliveries: 1))
            #expect(try await fixture.bus.publish(real) == EventBus.PublishResult(events: 1, deliveries: 1))
            // Within a tenant the id stays the idempotency key, in one batch as across batches.
            #expect(try await fixture.bus.publish([real, squatter]) == EventBus.PublishResult(events: 0, deliveries: 0))

            #expect(try await fixture.bus.event(id: "order-1", tenantID: "acme")?.envelope.data == #"{"by": "acme"}"#)
            #expect(try await fixture.bus.event(id: "order-1", tenantID: "globex")?.envelope.data == #"{"by": "globex"}"#)

            let targets = RecordingTargets()
            try await whileRunning([fixture.worker(targets)]) {
                #expect(await eventually { targets.received.count == 2 })
            }
            let received = Dictionary(uniqueKeysWithValues: targets.received.map { ($0.subscriber, $0.event.data) })
            #expect(received == [acme: #"{"by": "acme"}"#, globex: #"{"by": "globex"}"#])
            let delivered = try await fixture.bus.deliveries(DeliveryFilter(status: .delivered))
            #expect(Set(delivered.map(\.subscriber)) == [acme, globex])

            // Replaying one tenant's event touches only that tenant's row.
            #expect(try await fixture.bus.replay(DeliveryFilter(tenantID: "acme", eventID: "order-1")) == 1)
            #expect(try await fixture.bus.deliveries(DeliveryFilter(tenantID: "globex", status: .delivered)).count == 1)
            await fixture.shutdown()
        }
    }
}

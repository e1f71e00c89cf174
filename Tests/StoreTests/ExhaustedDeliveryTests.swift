import MarketCore
import MarketStore
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// A poison event: a host that crashes while delivering it never writes an outcome, so only
    /// the claims count its attempts. Claims stand in for the crashes here (a real crash would
    /// end the test process): each claims the row and lets its lease lapse.
    @Suite struct ExhaustedDeliveryTests {
        let crm = Subscriber(tenantID: "acme", pluginID: "crm")

        @Test func aRowClaimedTenTimesWithoutAnOutcomeIsDeadAtTheEleventhClaim() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm"])
            try await fixture.bus.subscribe(crm, to: ["*"])
            let poison = EventEnvelope(type: "lead.created", tenantID: "acme", data: "{}")
            try await fixture.bus.publish(poison)
            let crashing = DeliveryQueue(pool: fixture.pool)
            #expect(crashing.maximumAttempts == 10, "docs/events.md promises ten attempts in all")

            for attempt in 1...10 {
                let claim = try await crashing.claim(limit: 10, lease: .zero)
                #expect(claim.deliveries.map(\.attempt) == [attempt])
                #expect(claim.exhausted.isEmpty)
            }
            let last = try await crashing.claim(limit: 10, lease: .zero)
            #expect(last.deliveries.isEmpty, "an eleventh attempt is never handed out")
            #expect(last.exhausted.map(\.event.id) == [poison.id])
            #expect(last.exhausted.first?.attempt == 10)

            let record = try #require(try await fixture.bus.deliveries(DeliveryFilter(eventID: poison.id)).first)
            #expect(record.status == .dead)
            #expect(record.attempts == 10)
            #expect(record.lastError == DeliveryQueue.exhaustedError)
            let again = try await crashing.claim(limit: 10, lease: .zero)
            #expect(again.deliveries.isEmpty && again.exhausted.isEmpty)
            await fixture.shutdown()
        }

        @Test func aWorkerDeadLettersThePoisonEventAndDeliversTheConversationsNextEvent() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm"])
            try await fixture.bus.subscribe(crm, to: ["*"])
            let poison = EventEnvelope(type: "lead.created", tenantID: "acme", conversationID: "c1", data: "{}")
            let next = EventEnvelope(type: "lead.won", tenantID: "acme", conversationID: "c1", data: "{}")
            try await fixture.bus.publish([poison, next])
            let schedule = RetrySchedule(retryDelays: [.milliseconds(50), .milliseconds(50)], jitter: 0)
            // Three hosts crashed in turn on the poison event: every attempt the schedule allows.
            let crashing = DeliveryQueue(pool: fixture.pool, maximumAttempts: schedule.maximumAttempts)
            for _ in 1...schedule.maximumAttempts {
                #expect(try await crashing.claim(limit: 10, lease: .zero).deliveries.map(\.event.id) == [poison.id])
            }

            let targets = RecordingTargets()
            try await whileRunning([fixture.worker(targets, retries: schedule)]) {
                #expect(await eventually { targets.received.count == 1 })
            }
            #expect(targets.received.map(\.event.id) == [next.id], "the poison event is not delivered again")
            #expect(try await fixture.rows(of: poison.id)["crm"]?.status == "dead")
            #expect(try await fixture.rows(of: poison.id)["crm"]?.attempts == 3)
            #expect(try await fixture.rows(of: next.id)["crm"]?.status == "delivered")
            await fixture.shutdown()
        }
    }
}

import Foundation
import MarketCore
import MarketStore
import PluginHosting
import PluginRuntime
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// Delivery workers: claims, order per conversation, retries, dead letters, replay, leases.
    @Suite struct DeliveryWorkerTests {
        let crm = Subscriber(tenantID: "acme", pluginID: "crm")
        let analytics = Subscriber(tenantID: "acme", pluginID: "analytics")

        @Test func eachConversationIsDeliveredInOrderByTwoWorkers() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm", "acme/analytics"])
            try await fixture.bus.subscribe(crm, to: ["*"])
            try await fixture.bus.subscribe(analytics, to: ["*"])
            let targets = [RecordingTargets(name: "a", delay: .milliseconds(2)), RecordingTargets(name: "b", delay: .milliseconds(2))]
            let conversations = ["c1", "c2", "c3"]
            var published: [EventEnvelope] = []
            let pools = [fixture.replicaPool(), fixture.replicaPool()]
            try await whileRunning(zip(targets, pools).map { fixture.worker($0, batchSize: 8, loops: 2, pool: $1) }) {
                // Published one by one and in small batches while the workers run.
                for round in 0..<20 {
                    let batch = conversations.map { EventEnvelope(type: "msg.sent", tenantID: "acme", conversationID: $0, data: #"{"n":\#(round)}"#) }
                        + [EventEnvelope(type: "ping", tenantID: "acme", data: "{}")]
                    try await fixture.bus.publish(round.isMultiple(of: 2) ? batch : [batch[0]])
                    if !round.isMultiple(of: 2) { try await fixture.bus.publish(Array(batch.dropFirst())) }
                    published += batch
                }
                #expect(await eventually { allReceived(targets).count == published.count * 2 })
            }
            let received = allReceived(targets)
            #expect(Set(received.map(\.worker)) == ["a", "b"], "both workers took part")
            for subscriber in [crm, analytics] {
                for conversation in conversations {
                    let expected = published.filter { $0.conversationID == conversation }.map(\.id)
                    let got = received.filter { $0.subscriber == subscriber && $0.event.conversationID == conversation }.map(\.event.id)
                    #expect(got == expected, "\(subscriber) \(conversation)")
                }
            }
            #expect(received.filter { $0.event.conversationID == nil }.count == 40)
            for pool in pools { await pool.shutdown() }
            await fixture.shutdown()
        }

        @Test func twoWorkersDeliverEachEventExactlyOnce() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm"])
            try await fixture.bus.subscribe(crm, to: ["*"])
            let targets = [RecordingTargets(name: "a", delay: .milliseconds(1)), RecordingTargets(name: "b", delay: .milliseconds(1))]
            let events = (0..<300).map { EventEnvelope(type: "lead.created", tenantID: "acme", data: #"{"n":\#($0)}"#) }
            // Two replicas: each worker has its own pool and listener.
            let pools = [fixture.replicaPool(), fixture.replicaPool()]
            try await whileRunning(zip(targets, pools).map { fixture.worker($0, batchSize: 10, pool: $1) }) {
                for chunk in stride(from: 0, to: events.count, by: 25) { try await fixture.bus.publish(Array(events[chunk..<chunk + 25])) }
                #expect(await eventually { allReceived(targets).count >= events.count })
                try await Task.sleep(for: .milliseconds(300))
            }
            let ids = allReceived(targets).map(\.event.id)
            #expect(ids.count == events.count)
            #expect(Set(ids) == Set(events.map(\.id)))
            #expect(targets.allSatisfy { !$0.received.isEmpty }, "both workers took part")
            let statuses = try await fixture.pool.query("SELECT status, count(*)::int8 AS n, max(attempts) AS attempts FROM deliveries GROUP BY status")
            #expect(statuses.count == 1)
            #expect(try statuses.first?.decode("status", as: String.self) == "delivered")
            #expect(try statuses.first?.decode("attempts", as: Int.self) == 1)
            for pool in pools { await pool.shutdown() }
            await fixture.shutdown()
        }

        @Test func aBatchLooksUpEachSubscribersTargetOnce() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm", "acme/analytics"])
            try await fixture.bus.subscribe(crm, to: ["*"])
            try await fixture.bus.subscribe(analytics, to: ["*"])
            let targets = RecordingTargets()
            let events = (0..<10).map { EventEnvelope(type: "lead.created", tenantID: "acme", data: #"{"n":\#($0)}"#) }
            try await fixture.bus.publish(events)
            // One round claims all 20 rows: finding an instance reads the installation, so it is
            // done once per subscriber, not once per row.
            #expect(try await fixture.worker(targets, batchSize: 32).deliverDue() == 20)
            #expect(targets.received.count == 20)
            #expect(targets.lookups == [crm: 1, analytics: 1])
            await fixture.shutdown()
        }

        @Test func aFailedDeliveryIsRetriedOnTheScheduleThenSucceeds() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm"])
            try await fixture.bus.subscribe(crm, to: ["*"])
            let targets = RecordingTargets()
            targets.script(crm, [.retryLater("CRM busy"), .retryLater("CRM still busy")])
            let event = EventEnvelope(type: "lead.created", tenantID: "acme", data: "{}")
            let schedule = RetrySchedule(retryDelays: [.milliseconds(300), .milliseconds(300), .milliseconds(300)], jitter: 0)
            let started = ContinuousClock.now
            try await whileRunning([fixture.worker(targets, retries: schedule)]) {
                try await fixture.bus.publish(event)
                #expect(await eventually { try await fixture.rows(of: event.id)["crm"]?.status == "delivered" })
            }
            #expect(ContinuousClock.now - started >= .milliseconds(600), "two waits of 300 ms")
            #expect(targets.received.map(\.event.id) == [event.id, event.id, event.id])
            #expect(try await fixture.rows(of: event.id)["crm"]?.attempts == 3)
            let record = try #require(try await fixture.bus.deliveries(DeliveryFilter(eventID: event.id)).first)
            #expect(record.status == .delivered)
            #expect(record.lastError == nil)
            #expect(record.deliveredAt != nil)
            await fixture.shutdown()
        }

        @Test func aDeliveryIsDeadAfterItsLastAttemptOrARejection() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm", "acme/analytics"])
            try await fixture.bus.subscribe(crm, to: ["*"])
            try await fixture.bus.subscribe(analytics, to: ["*"])
            let targets = RecordingTargets()
            targets.script(crm, [.retryLater("down"), .retryLater("down"), .retryLater("down for good"), .acknowledged])
            targets.script(analytics, [.rejected("schema mismatch")])
            let event = EventEnvelope(type: "lead.created", tenantID: "acme", data: "{}")
            let schedule = RetrySchedule(retryDelays: [.milliseconds(50), .milliseconds(50)], jitter: 0)
            try await whileRunning([fixture.worker(targets, retries: schedule)]) {
                try await fixture.bus.publish(event)
                #expect(await eventually { try await fixture.rows(of: event.id).values.allSatisfy { $0.status == "dead" } })
                try await Task.sleep(for: .milliseconds(300))
            }
            #expect(targets.received.filter { $0.subscriber == crm }.count == schedule.maximumAttempts)
            #expect(targets.received.filter { $0.subscriber == analytics }.count == 1)
            let dead = try await fixture.bus.deliveries(DeliveryFilter(status: .dead))
            #expect(Dictionary(uniqueKeysWithValues: dead.map { ($0.subscriber.pluginID, $0.lastError ?? "") })
                    == ["crm": "down for good", "analytics": "rejected: schema mismatch"])
            #expect(dead.first { $0.subscriber == crm }?.attempts == 3)
            await fixture.shutdown()
        }

        @Test func replayDeliversDeadAndDeliveredEventsAgainWithTheirIDs() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm", "acme/analytics"])
            try await fixture.bus.subscribe(crm, to: ["*"])
            try await fixture.bus.subscribe(analytics, to: ["*"])
            let targets = RecordingTargets()
            targets.script(analytics, [.rejected("bad"), .rejected("bad")])
            let first = EventEnvelope(type: "lead.created", tenantID: "acme", data: "{}")
            let second = EventEnvelope(type: "lead.won", tenantID: "acme", data: "{}")
            try await whileRunning([fixture.worker(targets)]) {
                try await fixture.bus.publish([first, second])
                #expect(await eventually { targets.received.count == 4 })
                #expect(await eventually { try await fixture.bus.deliveries(DeliveryFilter(status: .pending)).isEmpty })

                // One event: both of its rows, the delivered and the dead one.
                #expect(try await fixture.bus.replay(DeliveryFilter(eventID: first.id)) == 2)
                #expect(await eventually { targets.received.count == 6 })
                #expect(await eventually { try await fixture.bus.deliveries(DeliveryFilter(status: .pending)).isEmpty })

                // Every dead row: only analytics' copy of the second event is dead now.
                #expect(try await fixture.bus.replay(DeliveryFilter(status: .dead)) == 1)
                #expect(await eventually { targets.received.count == 7 })
                #expect(await eventually { try await fixture.bus.deliveries(DeliveryFilter(status: .pending)).isEmpty })
            }
            let ids = targets.received.map(\.event.id)
            #expect(ids.filter { $0 == first.id }.count == 4)
            #expect(ids.filter { $0 == second.id }.count == 3)
            #expect(try await fixture.rows(of: first.id).values.allSatisfy { $0.status == "delivered" && $0.attempts == 1 })
            let unknown = await #expect(throws: MarketError.self) { try await fixture.bus.replay(DeliveryFilter(eventID: "evt_missing")) }
            #expect(unknown?.code == .eventNotFound)
            await fixture.shutdown()
        }

        @Test func aWorkerThatDiesHoldingAClaimIsReplacedWhenItsLeaseEnds() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm"])
            try await fixture.bus.subscribe(crm, to: ["*"])
            let event = EventEnvelope(type: "lead.created", tenantID: "acme", conversationID: "c1", data: "{}")
            let later = EventEnvelope(type: "lead.won", tenantID: "acme", conversationID: "c1", data: "{}")
            try await fixture.bus.publish([event, later])
            // The dead worker: it claimed the row for one second and never came back.
            let dying = DeliveryQueue(pool: fixture.pool)
            let held = try await dying.claim(limit: 10, lease: .seconds(1)).deliveries
            #expect(held.map(\.event.id) == [event.id], "the later event waits behind the claimed one")

            let targets = RecordingTargets()
            let started = ContinuousClock.now
            try await whileRunning([fixture.worker(targets)]) {
                #expect(await eventually { targets.received.count == 2 })
            }
            #expect(ContinuousClock.now - started >= .milliseconds(700), "nothing is delivered before the lease ends")
            #expect(targets.received.map(\.event.id) == [event.id, later.id])
            #expect(targets.received.first?.event == held.first?.event)
            #expect(try await fixture.rows(of: event.id)["crm"]?.attempts == 2)

            // The dead worker coming back late cannot overwrite the outcome.
            #expect(try await dying.complete([(try #require(held.first), .dead(error: "too late"))]) == 0)
            #expect(try await fixture.rows(of: event.id)["crm"]?.status == "delivered")
            await fixture.shutdown()
        }

        @Test func stoppingAWorkerFinishesTheDeliveriesInFlight() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm"])
            try await fixture.bus.subscribe(crm, to: ["*"])
            let targets = RecordingTargets(delay: .milliseconds(400))
            let event = EventEnvelope(type: "lead.created", tenantID: "acme", data: "{}")
            let worker = fixture.worker(targets)
            let running = Task { try await worker.run() }
            try await fixture.bus.publish(event)
            let claimed = await eventually {
                (try? await fixture.pool.query("SELECT 1 FROM deliveries WHERE locked_until IS NOT NULL").isEmpty) == false
            }
            #expect(claimed)
            running.cancel()
            try await running.value
            #expect(targets.received.map(\.event.id) == [event.id])
            #expect(try await fixture.rows(of: event.id)["crm"]?.status == "delivered")
            await fixture.shutdown()
        }

        @Test func aNotificationWakesAWaitingWorkerLongBeforeItsPoll() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm"])
            try await fixture.bus.subscribe(crm, to: ["*"])
            let targets = RecordingTargets()
            let worker = DeliveryWorker(pool: fixture.pool, connectionString: fixture.url, targets: targets,
                                        configuration: .init(pollInterval: .seconds(60)), logger: quietLogger)
            let event = EventEnvelope(type: "lead.created", tenantID: "acme", data: "{}")
            try await whileRunning([worker]) {
                // Let the worker's first look find nothing, so it sleeps until woken.
                try await Task.sleep(for: .milliseconds(500))
                try await fixture.bus.publish(event)
                #expect(await eventually(timeout: .seconds(5)) { targets.received.count == 1 })
            }
            #expect(targets.received.map(\.event.id) == [event.id])
            await fixture.shutdown()
        }

        @Test func aSubscriberWithoutATargetHereIsRetriedThenDeadLettered() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm"])
            try await fixture.bus.subscribe(crm, to: ["*"])
            let event = EventEnvelope(type: "lead.created", tenantID: "acme", data: "{}")
            let schedule = RetrySchedule(retryDelays: [.milliseconds(50)], jitter: 0)
            try await whileRunning([fixture.worker(PluginTargets(), retries: schedule)]) {
                try await fixture.bus.publish(event)
                #expect(await eventually { try await fixture.rows(of: event.id)["crm"]?.status == "dead" })
            }
            let record = try #require(try await fixture.bus.deliveries(DeliveryFilter(eventID: event.id)).first)
            #expect(record.attempts == 2)
            #expect(record.lastError == "no target for acme/crm on this replica")
            await fixture.shutdown()
        }
    }
}

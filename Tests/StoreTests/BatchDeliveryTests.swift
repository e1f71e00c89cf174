import Foundation
import MarketCore
import MarketStore
import StoreTestSupport
import Synchronization
import Testing

extension DatabaseTests {
    /// A worker hands each subscriber's due events to its target together (`deliver(batch:)`),
    /// so a plugin with market.event-batches/1 gets one call, and settles each row by its own
    /// outcome.
    @Suite struct BatchDeliveryTests {
        @Test func aSubscribersDueEventsArriveInOneBatchAndEachRowGetsItsOutcome() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/sink", "acme/other"])
            let sink = Subscriber(tenantID: "acme", pluginID: "sink"), other = Subscriber(tenantID: "acme", pluginID: "other")
            try await fixture.bus.subscribe(sink, to: ["*"])
            try await fixture.bus.subscribe(other, to: ["*"])
            let events = (0..<6).map { EventEnvelope(type: "lead.created", tenantID: "acme", data: #"{"n":\#($0)}"#) }
            _ = try await fixture.bus.publish(events)
            let targets = BatchTargets()
            targets.answer(sink, [.acknowledged, .retryLater("busy"), .rejected("bad"), .acknowledged, .acknowledged, .acknowledged])

            #expect(try await fixture.worker(targets, batchSize: 64).deliverDue() == 12)
            let calls = targets.calls
            #expect(calls.filter { $0.subscriber == sink }.map(\.ids) == [events.map(\.id)], "one call with the six, in order")
            #expect(calls.filter { $0.subscriber == other }.map(\.ids.count) == [6])
            #expect(try await fixture.rows(of: events[0].id)["sink"]?.status == "delivered")
            #expect(try await fixture.rows(of: events[1].id)["sink"]?.status == "pending", "retried on the schedule")
            #expect(try await fixture.rows(of: events[2].id)["sink"]?.status == "dead")
            #expect(try await fixture.rows(of: events[5].id).values.allSatisfy { $0.status == "delivered" })
            await fixture.shutdown()
        }

        @Test func aBatchThatThrowsOrAnswersTheWrongCountRetriesEveryRow() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/sink"])
            let sink = Subscriber(tenantID: "acme", pluginID: "sink")
            try await fixture.bus.subscribe(sink, to: ["*"])
            let events = (0..<3).map { EventEnvelope(type: "lead.created", tenantID: "acme", data: #"{"n":\#($0)}"#) }
            _ = try await fixture.bus.publish(events)
            let targets = BatchTargets()
            targets.answer(sink, [.acknowledged])
            #expect(try await fixture.worker(targets).deliverDue() == 3)
            for event in events {
                #expect(try await fixture.rows(of: event.id)["sink"].map { $0.status == "pending" && $0.attempts == 1 } == true)
            }
            let errors = try await fixture.pool.query("SELECT last_error FROM deliveries WHERE subscriber = 'sink'").map { try $0.decode("last_error", as: String.self) }
            #expect(errors.count == 3 && errors.allSatisfy { $0.contains("answered 1 outcomes for 3 events") }, "\(errors)")
            await fixture.shutdown()
        }
    }
}

/// Targets that take batches and record each call's subscriber and event ids; a subscriber's
/// answer is set beforehand (all acknowledged when none is).
final class BatchTargets: DeliveryTargets {
    struct Call: Sendable {
        let subscriber: Subscriber
        let ids: [String]
    }

    private let state = Mutex<(calls: [Call], answers: [Subscriber: [EventDeliveryOutcome]])>(([], [:]))

    var calls: [Call] { state.withLock { $0.calls } }

    func answer(_ subscriber: Subscriber, _ outcomes: [EventDeliveryOutcome]) {
        state.withLock { $0.answers[subscriber] = outcomes }
    }

    func target(for subscriber: Subscriber) async -> (any DeliveryTarget)? { Target(owner: self, subscriber: subscriber) }

    fileprivate func take(_ subscriber: Subscriber, _ events: [EventEnvelope]) -> [EventDeliveryOutcome] {
        state.withLock { state in
            state.calls.append(Call(subscriber: subscriber, ids: events.map(\.id)))
            return state.answers[subscriber] ?? Array(repeating: .acknowledged, count: events.count)
        }
    }

    private struct Target: DeliveryTarget {
        let owner: BatchTargets
        let subscriber: Subscriber

        func deliver(_ event: EventEnvelope) async throws -> EventDeliveryOutcome { owner.take(subscriber, [event])[0] }

        func deliver(batch events: [EventEnvelope]) async throws -> [EventDeliveryOutcome] { owner.take(subscriber, events) }
    }
}

import Foundation
import MarketCore
import MarketStore
import PluginHosting
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// Delivery targets (market.targets/1) end to end: the C fixture `targetsink`, built from
    /// source and loaded with dlopen, posts to a real receiver on loopback through market.http/1.
    @Suite struct TargetDeliveryTests {
        /// Fast retries and a breaker that does not open, unless a test says otherwise.
        static let patient = TargetPolicy(retries: RetrySchedule(retryDelays: Array(repeating: .milliseconds(200), count: 30), jitter: 0),
                                          breakerFailures: 1000)

        @Test func publishingFansOutToEnabledTargetsWhosePatternsMatch() async throws {
            let world = try await TargetWorld.make()
            let leads = try await world.addTarget(["lead.*"])
            let orders = try await world.addTarget(["order.paid"], ordered: true)
            let disabled = try await world.addTarget(["*"])
            try await world.targets.update(disabled.id, tenant: TargetWorld.tenant, change: .init(enabled: false), by: .system)

            let lead = try await world.publish(1, type: "lead.created", conversation: "c1")
            let order = try await world.publish(1, type: "order.paid", conversation: "c1")
            let written = try await world.fixture.bus.publish(EventEnvelope(type: "other.thing", tenantID: TargetWorld.tenant, data: "{}"))

            #expect(written.deliveries == 0, "no target matches other.thing")
            #expect(try await world.rows(target: leads.id).map { $0.event } == lead)
            #expect(try await world.rows(target: orders.id).map { $0.event } == order)
            #expect(try await world.rows(target: disabled.id).isEmpty, "a disabled target gets nothing")
            // The ordering key: only a target that asks for order keeps the conversation.
            let keys = try await world.fixture.pool.query("SELECT target, conversation_id FROM deliveries WHERE target <> ''").map {
                (try $0.decode("target", as: String.self), try $0.decode("conversation_id", as: String?.self))
            }
            #expect(keys.first { $0.0 == leads.id }?.1 == nil)
            #expect(keys.first { $0.0 == orders.id }?.1 == "c1")
            await world.shutdown()
        }

        @Test func eachAttemptIsLoggedWithStatusDurationAndTheBodysFirstKiB() async throws {
            let world = try await TargetWorld.make()
            let target = try await world.addTarget()
            try await world.receiver.mode(status: 503, body: String(repeating: "x", count: 3000))
            let ids = try await world.publish(1)
            try await whileRunning([world.worker(Self.patient)]) {
                #expect(await eventually { try await world.receiver.received().count >= 1 })
                try await world.receiver.mode(status: 200, body: "thanks")
                #expect(await eventually { try await world.rows(target: target.id).first?.status == "delivered" })
            }
            let attempts = try await world.targets.attempts(tenant: TargetWorld.tenant, event: ids[0], by: .system)
            #expect(attempts.count >= 2)
            let first = try #require(attempts.first), last = try #require(attempts.last)
            #expect(first.outcome == "retry" && first.status == 503 && first.attempt == 1)
            #expect(first.durationMilliseconds != nil)
            #expect(first.response.map { $0.utf8.count <= 1024 && $0.utf8.count >= 1000 && $0.allSatisfy { $0 == "x" } } == true)
            #expect(last.outcome == "delivered" && last.status == 200 && last.response == "thanks" && last.targetID == target.id)
            #expect(try await world.receiver.received().allSatisfy { $0.id == ids[0] }, "every attempt carries the event id as webhook-id")
            await world.shutdown()
        }

        @Test func aReceiverDownThenBackLosesNothingAndKeepsOrderPerConversation() async throws {
            let world = try await TargetWorld.make()
            let target = try await world.addTarget(ordered: true)
            try await world.receiver.mode(drop: true)
            var published: [String: [String]] = [:]
            for conversation in ["c1", "c2"] {
                for _ in 0..<4 { published[conversation, default: []] += try await world.publish(1, conversation: conversation) }
            }
            try await whileRunning([world.worker(Self.patient)]) {
                #expect(await eventually { try await world.receiver.received().count >= 4 })
                try await world.receiver.mode(status: 200)
                #expect(await eventually(timeout: .seconds(20)) { try await world.rows(target: target.id).allSatisfy { $0.status == "delivered" } })
            }
            let delivered = try await world.receiver.delivered()
            for (conversation, ids) in published {
                #expect(delivered.filter(ids.contains) == ids, "\(conversation) arrived in the order published, each once")
            }
            await world.shutdown()
        }

        @Test func goneDisablesTheTargetAndItsRowsWaitUntilItIsEnabled() async throws {
            let world = try await TargetWorld.make()
            let target = try await world.addTarget()
            try await world.receiver.mode(status: 410)
            try await world.publish(2)
            try await whileRunning([world.worker(Self.patient)]) {
                #expect(await eventually { try await world.targets.target(target.id, tenant: TargetWorld.tenant, by: .system).enabled == false })
                try await Task.sleep(for: .milliseconds(500))
                let stored = try await world.targets.target(target.id, tenant: TargetWorld.tenant, by: .system)
                #expect(stored.disabledReason == "the destination answered 410 Gone")
                let rows = try await world.rows(target: target.id)
                #expect(rows.allSatisfy { $0.status == "pending" && $0.attempts == 0 }, "its rows wait and keep their attempts: \(rows)")
                #expect(try await world.receiver.received().count <= 2, "nothing more is sent once it is disabled")
                let disabled = try await world.hostEvents("target.disabled")
                #expect(disabled.count == 1 && disabled.first?["target_id"] == .string(target.id))
                #expect(try await world.fixture.bus.publish(EventEnvelope(type: "lead.created", tenantID: TargetWorld.tenant, data: "{}")).deliveries == 0)

                try await world.receiver.mode(status: 200)
                try await world.targets.update(target.id, tenant: TargetWorld.tenant, change: .init(enabled: true), by: .system)
                #expect(await eventually { try await world.rows(target: target.id).allSatisfy { $0.status == "delivered" } })
            }
            await world.shutdown()
        }

        @Test func retryAfterPausesTheTargetToTheSecondWithoutUsingAttempts() async throws {
            let world = try await TargetWorld.make()
            let target = try await world.addTarget()
            try await world.receiver.mode(status: 429, retryAfter: 3)
            let first = try await world.publish(1)
            try await whileRunning([world.worker(Self.patient)]) {
                #expect(await eventually { try await world.receiver.received().count == 1 })
                try await world.receiver.mode(status: 200)
                // Published while the target is paused: they wait for the pause too.
                try await world.publish(3)
                #expect(await eventually(timeout: .seconds(15)) { try await world.rows(target: target.id).allSatisfy { $0.status == "delivered" } })
            }
            let received = try await world.receiver.received()
            let pause = try #require(received.dropFirst().first).at - received[0].at
            #expect(abs(pause - 3) < 1, "the next request came \(pause) s after the 429, not about 3 s")
            #expect(received.count == 5)
            let rows = try await world.rows(target: target.id)
            #expect(rows.allSatisfy { $0.attempts == 1 }, "the pause used no attempt: \(rows)")
            let attempts = try await world.targets.attempts(tenant: TargetWorld.tenant, event: first[0], by: .system)
            #expect(attempts.map(\.attempt) == [1, 1] && attempts.map(\.status) == [429, 200])
            await world.shutdown()
        }

        @Test func anOpenBreakerHoldsADownTargetsRowsWithoutBurningAttempts() async throws {
            let world = try await TargetWorld.make()
            let target = try await world.addTarget()
            try await world.receiver.mode(drop: true)
            try await world.publish(4)
            let policy = TargetPolicy(retries: RetrySchedule(retryDelays: Array(repeating: .milliseconds(100), count: 20), jitter: 0),
                                      breakerFailures: 2, breakerBackoff: .seconds(2))
            try await whileRunning([world.worker(policy)]) {
                #expect(await eventually { try await world.receiver.received().count >= 4 })
                try await Task.sleep(for: .milliseconds(1000))
                // The four first attempts opened the breaker; during its 2 s pause nothing is tried.
                var stored = try await world.targets.target(target.id, tenant: TargetWorld.tenant, by: .system)
                #expect(stored.pausedUntil.map { $0 > Date() } == true)
                #expect(try await world.rows(target: target.id).map { $0.attempts }.reduce(0, +) == 4)
                #expect(try await world.receiver.received().count == 4)
                // When the pause ends, one probe row tests it; it fails, and the pause doubles.
                #expect(await eventually(timeout: .seconds(5)) { try await world.receiver.received().count == 5 })
                try await Task.sleep(for: .milliseconds(1500))
                #expect(try await world.receiver.received().count == 5, "one probe, not the whole backlog")
                stored = try await world.targets.target(target.id, tenant: TargetWorld.tenant, by: .system)
                #expect(stored.consecutiveFailures == 5 && stored.enabled)
                try await world.receiver.mode(status: 200)
                #expect(await eventually(timeout: .seconds(10)) { try await world.rows(target: target.id).allSatisfy { $0.status == "delivered" } })
            }
            let rows = try await world.rows(target: target.id)
            #expect(rows.map { $0.attempts }.reduce(0, +) <= 9, "waiting rows used no attempts: \(rows)")
            #expect(try await world.targets.target(target.id, tenant: TargetWorld.tenant, by: .system).consecutiveFailures == 0)
            await world.shutdown()
        }

        @Test func theLastAttemptIsDeadAndSaysSoAndResendAndRecoverPutRowsBack() async throws {
            let world = try await TargetWorld.make()
            // Not `*`: the delivery.dead events would get rows of their own.
            let target = try await world.addTarget(["lead.*"])
            let start = Date().addingTimeInterval(-1)
            try await world.receiver.mode(status: 500)
            let policy = TargetPolicy(retries: RetrySchedule(retryDelays: [.milliseconds(100), .milliseconds(100)], jitter: 0), breakerFailures: 1000)
            let ids = try await world.publish(2)
            try await whileRunning([world.worker(policy)]) {
                #expect(await eventually { try await world.rows(target: target.id).allSatisfy { $0.status == "dead" && $0.attempts == 3 } })
                let dead = try await world.hostEvents("delivery.dead")
                #expect(dead.count == 2 && Set(dead.compactMap { $0["event_id"] }) == Set(ids.map(JSONValue.string)))
                #expect(dead.allSatisfy { $0["target_id"] == .string(target.id) && $0["event_type"] == .string("lead.created") && $0["attempts"] == .integer(3) })

                try await world.receiver.mode(status: 200)
                try await world.targets.resend(target: target.id, event: ids[0], tenant: TargetWorld.tenant, by: .system)
                #expect(await eventually { try await world.rows(target: target.id).first?.status == "delivered" })
                #expect(try await world.rows(target: target.id).last?.status == "dead")
                #expect(try await world.targets.recover(target: target.id, since: start, tenant: TargetWorld.tenant, by: .system) == 1)
                #expect(await eventually { try await world.rows(target: target.id).allSatisfy { $0.status == "delivered" } })
            }
            let missing = await marketError { try await world.targets.resend(target: target.id, event: "evt_none", tenant: TargetWorld.tenant, by: .system) }
            #expect(missing?.code == .deliveryNotFound)
            await world.shutdown()
        }

        @Test func aTargetRowWhoseLastAttemptNeverFinishedIsDeadAtItsNextClaimAndSaysSo() async throws {
            let world = try await TargetWorld.make()
            let target = try await world.addTarget(["lead.*"])
            let ids = try await world.publish(1)
            // As if the host had crashed during each of its two attempts.
            _ = try await world.fixture.pool.query("UPDATE deliveries SET attempts = 2 WHERE target = $1", [target.id])
            let policy = TargetPolicy(retries: RetrySchedule(retryDelays: [.milliseconds(100)], jitter: 0), breakerFailures: 1000)
            try await whileRunning([world.worker(policy)]) {
                #expect(await eventually { try await world.rows(target: target.id).first?.status == "dead" })
                #expect(await eventually { try await world.hostEvents("delivery.dead").count == 1 })
            }
            let dead = try #require(try await world.hostEvents("delivery.dead").first)
            #expect(dead["event_id"] == .string(ids[0]) && dead["target_id"] == .string(target.id) && dead["error"] == .string(DeliveryQueue.exhaustedError))
            #expect(try await world.receiver.received().isEmpty, "a spent row is not sent again")
            await world.shutdown()
        }

        @Test func aTargetFailingForTooLongIsDisabledWithAnEvent() async throws {
            let world = try await TargetWorld.make()
            let target = try await world.addTarget()
            try await world.receiver.mode(status: 500)
            try await world.publish(1)
            var policy = Self.patient
            policy.disableAfter = .seconds(1)
            try await whileRunning([world.worker(policy)]) {
                #expect(await eventually { try await world.targets.target(target.id, tenant: TargetWorld.tenant, by: .system).enabled == false })
            }
            let stored = try await world.targets.target(target.id, tenant: TargetWorld.tenant, by: .system)
            #expect(stored.disabledReason?.hasPrefix("failing without a success since ") == true)
            #expect(try await world.hostEvents("target.disabled").first?["target_id"] == .string(target.id))
            await world.shutdown()
        }

        /// A slow rate, so that one send running late on a loaded machine does not bunch with
        /// the next: slots are 0.5 s apart.
        @Test func aRateLimitHoldsTheReceiverToNMessagesASecond() async throws {
            let world = try await TargetWorld.make()
            let target = try await world.addTarget(rate: 2)
            try await world.publish(10)
            // Two workers, as two replicas would run, share the one limit.
            try await whileRunning([world.worker(Self.patient), world.worker(Self.patient)]) {
                #expect(await eventually(timeout: .seconds(20)) { try await world.rows(target: target.id).allSatisfy { $0.status == "delivered" } })
            }
            let times = try await world.receiver.received().map(\.at).sorted()
            #expect(times.count == 10)
            let span = times.last! - times.first!
            #expect(span > 9.0 / 2 - 0.5 && span < 9.0 / 2 + 1.5, "10 messages at 2/s took \(span) s")
            for (index, time) in times.enumerated() {
                #expect(times[index...].prefix { $0 < time + 1 }.count <= 3, "more than 2 in the second after \(time)")
            }
            await world.shutdown()
        }
    }
}

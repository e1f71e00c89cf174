import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

extension ServerTests {
    /// The posthog plugin in `market serve`, batching the outbox's events to a loopback PostHog:
    /// `kill -9` of the server in the middle of a burst loses nothing (the outbox delivers again
    /// what PostHog had not acknowledged), and a repeat carries the same UUID and timestamp, so
    /// PostHog's deduplication drops it.
    @Suite struct PostHogCrash {
        static let total = 20_000

        @Test func aKilledServerLosesNoEventAndRepeatsKeepTheirUUID() async throws {
            let world = try await WebhooksServeWorld.make()
            defer { world.stop() }
            let posthog = try await FakePostHog.start()
            try await world.ok("PATCH", "/v1/tenants/acme/plugins/posthog/config", #"{"host":"\#(posthog.root)"}"#)
            try await world.ok("PUT", "/v1/tenants/acme/plugins/posthog/secrets/api_key", #"{"value":"\#(FakePostHog.apiKey)"}"#)
            try await world.ok("POST", "/v1/tenants/acme/plugins/posthog/enable")
            // Slow answers keep the burst going long enough to kill the server in its middle.
            try await posthog.delay(100)

            let ids = (0..<Self.total).map { String(format: "tick-%05d", $0) }
            let pool = DatabasePool(connectionString: world.database, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let bus = EventBus(pool: pool, logger: quietLogger)
            for batch in stride(from: 0, to: Self.total, by: 1000) {
                _ = try await bus.publish(ids[batch..<min(batch + 1000, Self.total)].enumerated().map { offset, id in
                    EventEnvelope(id: id, type: "bot.tick", tenantID: "acme", data: #"{"n":\#(batch + offset)}"#)
                })
            }
            await pool.shutdown()

            try await eventually(within: 120, "the burst under way") { try await posthog.counts().events >= 2000 }
            try await world.kill()
            let atKill = try await posthog.counts().events
            #expect(atKill < Self.total, "the server was killed mid-burst (\(atKill) accepted)")
            try await posthog.delay(0)
            try await world.restart()
            try await eventually(within: 300, "every event after the restart") {
                let unique = try await posthog.counts().unique
                if unique < Self.total { try await Task.sleep(for: .milliseconds(500)) }
                return unique >= Self.total
            }

            let events = try await posthog.received().events
            let expected = try await Self.uuids(count: Self.total)
            #expect(expected.count == Self.total && Set(expected.keys) == Set(ids))
            #expect(Set(events.compactMap { if case .string(let uuid)? = $0["uuid"] { uuid } else { nil } }) == Set(expected.values))
            var first: [String: JSONValue] = [:]
            var repeats = 0
            for event in events {
                guard case .string(let uuid)? = event["uuid"] else { continue }
                if let earlier = first[uuid] {
                    repeats += 1
                    #expect(earlier["timestamp"] == event["timestamp"] && earlier["properties"]?["n"] == event["properties"]?["n"],
                            "a repeat of \(uuid) is the same event")
                } else {
                    first[uuid] = event
                }
            }
            for (id, uuid) in expected.prefix(50) {
                #expect(first[uuid]?["properties"]?["n"]?.integerValue == Int64(id.dropFirst("tick-".count)), "\(id) is sent as its UUID")
            }
            #expect(repeats < Self.total / 2, "\(repeats) repeats")
            print("posthog crash: \(atKill) of \(Self.total) accepted at the kill, all after the restart, \(repeats) repeats")
        }

        /// PostHog's UUID of the event ids `tick-00000`… of tenant acme, by Python's uuid5
        /// (docs/posthog.md).
        static func uuids(count: Int) async throws -> [String: String] {
            let script = """
                import sys, uuid
                ns = uuid.UUID('6f1c523e-8a0b-4d29-9e57-13c47a62d805')
                for n in range(int(sys.argv[1])):
                    print(f'tick-{n:05d}', uuid.uuid5(ns, f'acme:tick-{n:05d}'))
                """
            let output = try await runProcess("python3", ["-c", script, String(count)])
            var found: [String: String] = [:]
            for line in output.stdout.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2 { found[String(parts[0])] = String(parts[1]) }
            }
            return found
        }
    }
}

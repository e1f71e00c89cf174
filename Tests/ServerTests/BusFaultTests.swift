import Foundation
import MarketStore
import MarketTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension ServerTests {
    /// The bus inside real `market serve` processes on one PostgreSQL, with a slow plugin:
    /// SIGTERM, `kill -9` and two replicas.
    @Suite struct BusFaults {
        @Test(.timeLimit(.minutes(2)))
        func sigtermFinishesTheDeliveriesInFlightBeforeExiting() async throws {
            try await SlowSinkWorld.with(delayMS: 1500) { world in
                // The plugin runs two events at once here (the host's threads for concurrent plugins).
                let (serve, _) = try await world.serve(lease: 12, timeout: 10)
                let ids = try await world.publish(3)
                try await eventually(within: 20, "the plugin has events in hand") { !world.ids("start").isEmpty }
                #expect(!Set(world.ids("start")).subtracting(world.ids("done")).isEmpty, "deliveries are in flight when SIGTERM comes")
                serve.signal(SIGTERM)
                let exit = try await serve.exitStatus(within: 30)
                #expect(exit.status == 0 && !exit.signaled, "exit \(exit); stderr: \(serve.standardError); last log lines:\n\(serve.output.suffix(15).joined(separator: "\n"))")
                #expect(Set(world.ids("done")) == Set(ids), "every delivery in flight finished before the exit")
                let rows = try await world.deliveries()
                #expect(rows.count == 3)
                #expect(rows.allSatisfy { $0.status == .delivered && $0.attempts == 1 }, "\(rows)")
            }
        }

        @Test(.timeLimit(.minutes(2)))
        func killDashNineLosesNoEventAndRedeliversWithTheSameIDs() async throws {
            try await SlowSinkWorld.with(delayMS: 800) { world in
                // Four events on two plugin threads take 1.6 s, well inside the timeout; the lease
                // is how long the killed server's claims block the next one.
                let (first, _) = try await world.serve(lease: 6, timeout: 5)
                let ids = try await world.publish(4)
                try await eventually(within: 20, "deliveries are in flight") { !world.ids("start").isEmpty }
                first.signal(SIGKILL)
                _ = try await first.exitStatus(within: 10)
                let interrupted = Set(world.ids("start")).subtracting(world.ids("done"))
                #expect(!interrupted.isEmpty, "the kill came while the plugin held events")
                // A batch's outcomes are written together, so an event the plugin finished may
                // still be unrecorded: those may come again too, and nothing recorded does.
                let unrecorded = Set(try await world.deliveries().filter { $0.status != .delivered }.map(\.eventID))
                #expect(interrupted.isSubset(of: unrecorded))

                let (second, port) = try await world.serve(lease: 6, timeout: 5)
                try await eventually(within: 60, "every event is delivered after the restart") {
                    try await world.deliveries().allSatisfy { $0.status == .delivered }
                }
                #expect(Set(world.ids("done")) == Set(ids), "every event reached the plugin")
                let starts = world.ids("start")
                #expect(Set(starts).isSubset(of: Set(ids)), "a redelivery carries the event's own id")
                let repeated = Set(starts.filter { id in starts.filter { $0 == id }.count > 1 })
                #expect(repeated.isSubset(of: unrecorded), "only deliveries not recorded before the kill came again")
                let rows = try await world.deliveries()
                #expect(rows.filter { interrupted.contains($0.eventID) }.allSatisfy { $0.attempts >= 2 })
                #expect(rows.filter { !unrecorded.contains($0.eventID) }.allSatisfy { $0.attempts == 1 })
                // The restarted server counted what it delivered.
                let metrics = try await LoopbackHTTP.get("/metrics", port: port).text
                #expect(metrics.contains(#"market_deliveries_total{outcome="delivered"}"#), "\(metrics)")
                #expect(metrics.contains("market_delivery_duration_seconds"))
                #expect(metrics.contains("market_deliveries_pending"))
                second.signal(SIGTERM)
                #expect(try await second.exitStatus(within: 30).status == 0)
            }
        }

        @Test(.timeLimit(.minutes(2)))
        func twoServersOnOneDatabaseDeliverEachEventExactlyOnce() async throws {
            try await SlowSinkWorld.with(delayMS: 50) { world in
                let (one, _) = try await world.serve(lease: 12, timeout: 10)
                let (two, _) = try await world.serve(lease: 12, timeout: 10)
                // In waves, so both servers are woken and race for the rows.
                var ids: [String] = []
                for _ in 0..<8 {
                    ids += try await world.publish(5)
                    try await Task.sleep(for: .milliseconds(40))
                }
                try await eventually(within: 60, "every event is delivered") {
                    try await world.deliveries().allSatisfy { $0.status == .delivered }
                }
                let starts = world.ids("start")
                #expect(starts.count == ids.count, "no event was handed over twice")
                #expect(Set(starts) == Set(ids))
                #expect(try await world.deliveries().allSatisfy { $0.attempts == 1 })
                for serve in [one, two] {
                    serve.signal(SIGTERM)
                    #expect(try await serve.exitStatus(within: 30).status == 0, "exit \(exit); stderr: \(serve.standardError); last log lines:\n\(serve.output.suffix(15).joined(separator: "\n"))")
                }
            }
        }
    }
}

import Foundation
import Logging
import MarketCore
import MarketStore
import ServiceLifecycle
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// The pool's lifecycle: nothing runs before it is started, and a shutdown drains it (work
    /// in flight finishes, new work is refused with `DB_UNAVAILABLE`).
    @Suite struct PoolLifecycleTests {
        @Test func aPoolThatIsNotStartedRefusesWorkWithAFix() async throws {
            let pool = DatabasePool(connectionString: try await freshDatabase(), configuration: .init(size: 1), logger: quietLogger)
            let error = await #expect(throws: MarketError.self) { try await pool.query("SELECT 1") }
            #expect(error?.code == .databaseUnavailable)
            #expect(error?.message.contains("not started") == true, "\(String(describing: error))")
            #expect(error?.fix.contains("start") == true)
            let blocking = #expect(throws: MarketError.self) { try pool.withConnectionBlocking { _ in 1 } }
            #expect(blocking?.code == .databaseUnavailable)
            pool.start()
            #expect(try await pool.query("SELECT 1 AS one").first?.decode("one", as: Int.self) == 1)
            await pool.shutdown()
        }

        @Test func aShutdownLetsWorkInFlightFinishAndRefusesNewWork() async throws {
            let pool = DatabasePool(connectionString: try await freshDatabase(), configuration: .init(size: 3), logger: quietLogger)
            pool.start()
            let released = Locked(false)
            let finished = Locked<[String: ContinuousClock.Instant]>([:])
            // One async caller and one blocking caller (a plugin's thread), each holding a
            // connection until released, then running a query.
            let async = Task {
                try await pool.withConnection { connection in
                    while !released.withLock({ $0 }) { usleep(1000) }
                    _ = try connection.query("SELECT pg_sleep(0.2)")
                    finished.withLock { $0["async"] = .now }
                    return 1
                }
            }
            let blocking = Task {
                try await onThread {
                    try pool.withConnectionBlocking { connection in
                        while !released.withLock({ $0 }) { usleep(1000) }
                        _ = try connection.query("SELECT pg_sleep(0.3)")
                        finished.withLock { $0["blocking"] = .now }
                        return 2
                    }
                }
            }
            try await waitUntil { pool.statistics.open == 2 && pool.statistics.idle == 0 }
            let stopped = Locked<ContinuousClock.Instant?>(nil)
            let shutdown = Task {
                await pool.shutdown()
                stopped.withLock { $0 = .now }
            }
            // Refused while the shutdown waits for the two callers, with the pool's code.
            try await Task.sleep(for: .milliseconds(200))
            let refused = await #expect(throws: MarketError.self) { try await pool.query("SELECT 1") }
            #expect(refused?.code == .databaseUnavailable)
            #expect(refused?.message.contains("shut down") == true, "\(String(describing: refused))")
            #expect(stopped.withLock { $0 } == nil, "the shutdown returned with work in flight")
            released.withLock { $0 = true }
            #expect(try await async.value == 1)
            #expect(try await blocking.value == 2)
            await shutdown.value
            let times = finished.withLock { $0 }
            let end = try #require(stopped.withLock { $0 })
            #expect(times.count == 2)
            #expect(times.values.allSatisfy { $0 <= end }, "the shutdown returned before the work in flight finished")
            #expect(pool.statistics.open == 0)
        }

        @Test func asAServiceThePoolStartsWithTheGroupAndDrainsAtItsShutdown() async throws {
            let pool = DatabasePool(connectionString: try await freshDatabase(), configuration: .init(size: 1), logger: quietLogger)
            let group = ServiceGroup(configuration: .init(services: [.init(service: pool)], logger: Logger(label: "test")))
            let running = Task { try await group.run() }
            // Started by the group: work is served.
            let value = try await eventually { try? await pool.query("SELECT 7 AS seven").first?.decode("seven", as: Int.self) }
            #expect(value == 7)
            let inFlight = Task { try await pool.query("SELECT pg_sleep(0.5), 8 AS eight").first?.decode("eight", as: Int.self) }
            try await waitUntil { pool.statistics.idle == 0 && pool.statistics.open == 1 }
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(try await inFlight.value == 8, "the query in flight finished before the group returned")
            let error = await #expect(throws: MarketError.self) { try await pool.query("SELECT 1") }
            #expect(error?.code == .databaseUnavailable)
        }

        /// A task cancelled before its work's turn on the pool's threads (the thread pool then
        /// skips the work) gives its connection back: the pool still lends every connection, and
        /// its shutdown returns instead of waiting for a connection nobody holds.
        @Test func aCallerCancelledBeforeItsTurnGivesItsConnectionBack() async throws {
            let pool = DatabasePool(connectionString: try await freshDatabase(), configuration: .init(size: 2), logger: quietLogger)
            pool.start()
            for _ in 0..<10 {
                let cancelled = Task {
                    withUnsafeCurrentTask { $0?.cancel() }
                    return try await pool.withConnection { _ in 1 }
                }
                await #expect(throws: CancellationError.self) { try await cancelled.value }
            }
            #expect(pool.statistics.open == pool.statistics.idle, "connections lent to nobody: \(pool.statistics)")
            async let first = pool.query("SELECT 1 AS n")
            async let second = pool.query("SELECT 2 AS n")
            #expect(try await [first, second].count == 2)
            let stopped = Locked(false)
            let shutdown = Task {
                await pool.shutdown()
                stopped.withLock { $0 = true }
            }
            try await waitUntil { stopped.withLock { $0 } }
            await shutdown.value
        }

        /// Polls `attempt` until it gives a value, for up to five seconds.
        private func eventually<Value>(_ attempt: () async -> Value?) async throws -> Value {
            for _ in 0..<500 {
                if let value = await attempt() { return value }
                try await Task.sleep(for: .milliseconds(10))
            }
            throw MarketError(.databaseUnavailable, "the pool served no query within 5 s", fix: "")
        }
    }
}

import Foundation
import MarketCore
import MarketStore
import StoreTestSupport
import Synchronization
import Testing

extension DatabaseTests {
    /// The fixed-size pool: limits, order, timeouts, transactions, broken connections.
    @Suite struct PoolTests {
        func pool(size: Int, timeout: Duration = .seconds(10)) async throws -> DatabasePool {
            let pool = DatabasePool(connectionString: try await freshDatabase(), configuration: .init(size: size, acquireTimeout: timeout),
                                    logger: quietLogger)
            pool.start()
            return pool
        }

        @Test func neverMoreConnectionsThanItsSize() async throws {
            let pool = try await pool(size: 2)
            let busy = Locked((now: 0, most: 0))
            try await withThrowingTaskGroup(of: Int32.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await pool.withConnection { connection in
                            busy.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                            defer { busy.withLock { $0.now -= 1 } }
                            _ = try connection.query("SELECT pg_sleep(0.1)")
                            return connection.backendPID
                        }
                    }
                }
                var backends = Set<Int32>()
                for try await pid in group { backends.insert(pid) }
                #expect(backends.count == 2)
            }
            #expect(busy.withLock { $0.most } == 2)
            await pool.shutdown()
        }

        @Test func waitingCallersAreServedInOrder() async throws {
            let pool = try await pool(size: 1)
            let order = Locked<[Int]>([])
            let released = Locked(false)
            // Holds the only connection until every waiter has queued; this runs on a pool thread.
            let holder = Task { try await pool.withConnection { _ in while !released.withLock({ $0 }) { usleep(1000) } } }
            try await waitUntil { pool.statistics.open == 1 && pool.statistics.idle == 0 }
            var waiters: [Task<Void, any Error>] = []
            for number in 1...5 {
                waiters.append(Task { try await pool.withConnection { _ in order.withLock { $0.append(number) } } })
                // Each waiter queues before the next one starts.
                try await waitUntil { pool.statistics.waiting == number }
            }
            released.withLock { $0 = true }
            try await holder.value
            for waiter in waiters { try await waiter.value }
            #expect(order.withLock { $0 } == [1, 2, 3, 4, 5])
            await pool.shutdown()
        }

        @Test func aCallerGivesUpWithAFixWhenNoConnectionFreesUp() async throws {
            let pool = try await pool(size: 1, timeout: .milliseconds(200))
            let holder = Task { try await pool.withConnection { connection in _ = try connection.query("SELECT pg_sleep(4)") } }
            try await waitUntil { pool.statistics.open == 1 && pool.statistics.idle == 0 }
            let started = ContinuousClock.now
            let error = await #expect(throws: MarketError.self) { try await pool.query("SELECT 1") }
            let waited = ContinuousClock.now - started
            #expect(error?.code == .databaseUnavailable)
            #expect(error?.fix.isEmpty == false)
            // Back at its own timeout, long before the holder lets go; the upper margin is wide
            // because other tests share this machine's two cores.
            #expect(waited >= .milliseconds(150) && waited < .seconds(3))
            try await holder.value
            #expect(try await pool.query("SELECT 1 AS one").first?.decode("one", as: Int.self) == 1)
            await pool.shutdown()
        }

        @Test func transactionsCommitOrRollBack() async throws {
            struct Abort: Error {}
            let pool = try await pool(size: 2)
            _ = try await pool.query("CREATE TABLE ledger (amount int8)")
            try await pool.transaction { connection in _ = try connection.query("INSERT INTO ledger VALUES ($1)", 5) }
            await #expect(throws: Abort.self) {
                try await pool.transaction { connection in
                    _ = try connection.query("INSERT INTO ledger VALUES ($1)", 7)
                    throw Abort()
                }
            }
            let total = try await pool.query("SELECT coalesce(sum(amount), 0)::int8 AS total FROM ledger").first?.decode("total", as: Int.self)
            #expect(total == 5)
            await pool.shutdown()
        }

        @Test func aConnectionLeftInATransactionIsNotLentAgain() async throws {
            let pool = try await pool(size: 1)
            let first = try await pool.withConnection { connection in
                try connection.run("BEGIN")
                return connection.backendPID
            }
            let second = try await pool.withConnection { connection in connection.backendPID }
            #expect(first != second)
            await pool.shutdown()
        }

        @Test func aKilledConnectionIsReplaced() async throws {
            let url = try await freshDatabase()
            let pool = DatabasePool(connectionString: url, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let victim = try await pool.withConnection { $0.backendPID }
            let killed = try await onThread {
                let admin = try PostgresConnection.connect(url)
                defer { admin.close() }
                return try #require(try admin.query("SELECT pg_terminate_backend($1) AS done", victim).first).decode("done", as: Bool.self)
            }
            #expect(killed)
            try await Task.sleep(for: .milliseconds(200))
            let replacement = try await pool.withConnection { connection in
                (connection.backendPID, try #require(try connection.query("SELECT 1 AS one").first).decode("one", as: Int.self))
            }
            #expect(replacement.0 != victim)
            #expect(replacement.1 == 1)
            await pool.shutdown()
        }

        @Test func blockingCallersShareThePool() async throws {
            let pool = try await pool(size: 1)
            let values = try await onThread {
                try (1...3).map { number in
                    try pool.withConnectionBlocking { connection in
                        try #require(try connection.query("SELECT $1::int8 AS n", number).first).decode("n", as: Int.self)
                    }
                }
            }
            #expect(values == [1, 2, 3])
            await pool.shutdown()
        }

        @Test func aShutDownPoolRefusesWork() async throws {
            let pool = try await pool(size: 1)
            await pool.shutdown()
            let error = await #expect(throws: MarketError.self) { try await pool.query("SELECT 1") }
            #expect(error?.code == .databaseUnavailable)
        }
    }
}

/// Polls `condition` every few milliseconds for up to five seconds.
func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<1000 where !condition() {
        try await Task.sleep(for: .milliseconds(5))
    }
    try #require(condition(), "the condition did not become true within 5 s")
}

/// A value behind a lock that closures and tasks can share.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result { mutex.withLock { body(&$0) } }
}

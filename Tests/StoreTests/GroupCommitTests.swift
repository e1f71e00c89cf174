import Foundation
import MarketCore
import MarketStore
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// Writes that arrive together are committed together; a bad one fails alone.
    @Suite struct GroupCommitTests {
        /// A table of numbers, each row stamped with the transaction that wrote it.
        func numbers() async throws -> (DatabasePool, GroupCommit<Int, Int>) {
            let pool = DatabasePool(connectionString: try await freshDatabase(), configuration: .init(size: 2), logger: quietLogger)
            pool.start()
            _ = try await pool.query("CREATE TABLE numbers (n integer PRIMARY KEY CHECK (n >= 0), tx bigint NOT NULL DEFAULT txid_current())")
            let commits = GroupCommit<Int, Int>(pool: pool) { items, connection in
                let list = JSONValue.array(items.map { .number(Double($0)) }).jsonText
                _ = try connection.prepared("INSERT INTO numbers (n) SELECT value::integer FROM jsonb_array_elements_text($1::jsonb)", [list])
                return items.map { $0 * 2 }
            }
            return (pool, commits)
        }

        @Test func concurrentWritesShareTransactionsAndEachCallerGetsItsOwnOutput() async throws {
            let (pool, commits) = try await numbers()
            let outputs = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for n in 0..<200 { group.addTask { (n, try await commits.submit(n)) } }
                return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
            }
            #expect(outputs.count == 200)
            #expect(outputs.allSatisfy { $0.value == $0.key * 2 })
            let counts = try await pool.query("SELECT count(*) AS rows, count(DISTINCT tx) AS transactions FROM numbers")[0]
            #expect(try counts.decode("rows", as: Int.self) == 200)
            // One writer at a time: while a batch commits, the rest gather for the next.
            let transactions = try counts.decode("transactions", as: Int.self)
            #expect(transactions < 50, "200 concurrent writes took \(transactions) transactions")
            await pool.shutdown()
        }

        @Test func aBadItemFailsOnlyItsCaller() async throws {
            let (pool, commits) = try await numbers()
            let results = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
                for n in [1, 2, -3, 4, 5] {
                    group.addTask {
                        do { return (n, .success(try await commits.submit(n))) } catch { return (n, .failure(error)) }
                    }
                }
                return await group.reduce(into: [Int: Result<Int, any Error>]()) { $0[$1.0] = $1.1 }
            }
            for n in [1, 2, 4, 5] { #expect((try? results[n]?.get()) == n * 2) }
            guard case .failure(let error)? = results[-3] else {
                Issue.record("the negative number was written")
                return
            }
            #expect((error as? MarketError)?.sqlState == "23514", "\(error)")
            let stored = try await pool.query("SELECT n FROM numbers ORDER BY n").map { try $0.decode("n", as: Int.self) }
            #expect(stored == [1, 2, 4, 5])
            await pool.shutdown()
        }

        @Test func anOutageFailsEveryCallerAtOnce() async throws {
            let (pool, commits) = try await numbers()
            await pool.shutdown()
            let refused = await #expect(throws: MarketError.self) { try await commits.submit(1) }
            #expect(refused?.code == .databaseUnavailable)
        }
    }
}

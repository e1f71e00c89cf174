import Foundation
import MarketCore
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Blocking work shares one bounded pool; waits of unbounded length never take its threads.
@Suite struct BlockingWorkTests {
    /// How many calls run at once, at most.
    final class Gauge: Sendable {
        private let counts = Mutex<(now: Int, most: Int)>((0, 0))
        func enter() { counts.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
        func leave() { counts.withLock { $0.now -= 1 } }
        var most: Int { counts.withLock { $0.most } }
    }

    @Test func aBurstOfCallsSharesThePoolInsteadOfStartingAThreadEach() async throws {
        let gauge = Gauge()
        let calls = BlockingWork.threadCount * 3
        let sum = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<calls {
                group.addTask {
                    try await BlockingWork.run {
                        gauge.enter()
                        defer { gauge.leave() }
                        usleep(30_000)
                        return index
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(sum == calls * (calls - 1) / 2)
        #expect(gauge.most <= BlockingWork.threadCount)
        #expect(gauge.most > 1)
    }

    @Test func waitsOnTheirOwnThreadsLeaveThePoolFree() async throws {
        // More waits than the pool has threads, all held until the end of the test.
        let release = DispatchSemaphore(value: 0)
        let waiters = BlockingWork.threadCount + 2
        let started = Gauge()
        let waits = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<waiters {
                    group.addTask {
                        try await BlockingWork.runOnOwnThread {
                            started.enter()
                            release.wait()
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while started.most < waiters, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        guard started.most == waiters else {
            Issue.record("only \(started.most) of \(waiters) waits started")
            for _ in 0..<waiters { release.signal() }
            try await waits.value
            return
        }
        // The pool still answers while every wait is held.
        let answered = ContinuousClock.now
        #expect(try await BlockingWork.run { 42 } == 42)
        #expect(ContinuousClock.now - answered < .seconds(5))
        for _ in 0..<waiters { release.signal() }
        try await waits.value
    }
}

import Foundation
import MarketCore
import Synchronization
import Testing

@Suite struct CancellableTimerTests {
    private final class Payload: Sendable {}

    private final class Count: Sendable {
        private let value = Atomic(0)
        func add() { value.add(1, ordering: .relaxed) }
        var now: Int { value.load(ordering: .relaxed) }
    }

    /// Lower bounds only: on a busy machine a timer fires late, never early.
    @Test func firesAfterItsDelayAndRepeats() async throws {
        let fired = Mutex<[ContinuousClock.Instant]>([])
        let started = ContinuousClock.now
        let timer = CancellableTimer(after: .milliseconds(50), repeating: .milliseconds(50)) {
            fired.withLock { $0.append(ContinuousClock.now) }
        }
        let deadline = started + .seconds(10)
        while fired.withLock({ $0.count }) < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        timer.cancel()
        let times = fired.withLock { $0 }
        try #require(times.count >= 3)
        #expect(times[0] - started >= .milliseconds(50))
        #expect(times[2] - started >= .milliseconds(150))
    }

    @Test func aCancelledTimerDoesNotFire() async throws {
        let count = Count()
        let timer = CancellableTimer(after: .milliseconds(300)) { count.add() }
        timer.cancel()
        try await Task.sleep(for: .milliseconds(600))
        #expect(count.now == 0)
    }

    /// What the handler holds is let go when the timer is cancelled, long before its delay
    /// would have passed (a cancelled sleeping task holds on until then).
    @Test func cancellingLetsGoOfWhatTheHandlerHolds() async throws {
        weak var held: Payload?
        do {
            let payload = Payload()
            held = payload
            let timer = CancellableTimer(after: .seconds(600)) { _ = payload }
            timer.cancel()
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while held != nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(held == nil)
    }
}

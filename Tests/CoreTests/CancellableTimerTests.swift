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

    /// Timers share one source: they fire in the order of their deadlines whatever the order
    /// they were made in, and one due sooner than those waiting is not held up by them.
    @Test func timersFireInTheOrderOfTheirDeadlines() async throws {
        let fired = Mutex<[Int]>([])
        let far = CancellableTimer(after: .seconds(600)) { fired.withLock { $0.append(-1) } }
        defer { far.cancel() }
        let delays = Array(0..<20).shuffled()
        // One serial queue: timers due together run in the order they were due.
        let queue = DispatchQueue(label: "in order")
        let timers = delays.map { step in
            CancellableTimer(after: .milliseconds(20 + 15 * step), queue: queue) { fired.withLock { $0.append(step) } }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while fired.withLock({ $0.count }) < delays.count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        withExtendedLifetime(timers) {}
        #expect(fired.withLock { $0 } == Array(0..<20))
    }

    /// Thousands made and cancelled (as requests do) leave the next timer firing as asked.
    @Test func manyCancelledTimersLeaveTheOthersFiring() async throws {
        let count = Count()
        for _ in 0..<5_000 { CancellableTimer(after: .seconds(60)) { count.add() }.cancel() }
        let kept = CancellableTimer(after: .milliseconds(20)) { count.add() }
        let deadline = ContinuousClock.now + .seconds(10)
        while count.now == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(50))
        kept.cancel()
        #expect(count.now == 1)
    }

    /// A handler may make and cancel timers itself.
    @Test func aHandlerMayMakeAndCancelTimers() async throws {
        let count = Count()
        let inner = Mutex<CancellableTimer?>(nil)
        let outer = CancellableTimer(after: .milliseconds(10)) {
            CancellableTimer(after: .seconds(60)) { count.add() }.cancel()
            inner.withLock { $0 = CancellableTimer(after: .milliseconds(10)) { count.add() } }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while count.now == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        outer.cancel()
        inner.withLock { $0?.cancel() }
        #expect(count.now == 1)
    }

    /// Timers made from many threads at once, each possibly the new earliest while the timer
    /// thread is between firing and sleeping, all fire: no wake-up is lost.
    @Test func timersMadeConcurrentlyAllFire() async throws {
        let count = Count()
        let timers = Mutex<[CancellableTimer]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<250 {
                let timer = CancellableTimer(after: .microseconds(Int.random(in: 0...20_000, using: &generator))) { count.add() }
                timers.withLock { $0.append(timer) }
            }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while count.now < 2_000, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(count.now == 2_000)
        timers.withLock { $0.removeAll() }
    }

    /// The timer thread blocks every signal, so a process signal (SIGTERM) always reaches the
    /// threads that wait for it.
    @Test func theTimerThreadTakesNoSignals() throws {
        CancellableTimer(after: .seconds(60)) {}.cancel()
        // The thread names itself as it starts.
        var timer: String?
        for _ in 0..<200 where timer == nil {
            timer = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").first { task in
                (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) == "market.timers"
            }
            if timer == nil { usleep(10_000) }
        }
        let task = try #require(timer, "a thread named market.timers")
        let status = try String(contentsOfFile: "/proc/self/task/\(task)/status", encoding: .utf8)
        let blocked = try #require(status.split(separator: "\n").first { $0.hasPrefix("SigBlk:") })
        let mask = UInt64(blocked.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16) ?? 0
        #expect(mask & (1 << (UInt64(SIGTERM) - 1)) != 0 && mask & (1 << (UInt64(SIGINT) - 1)) != 0, "\(blocked)")
    }
}

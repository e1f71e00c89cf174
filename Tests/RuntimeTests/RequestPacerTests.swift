import CRMKit
import Dispatch
import Testing

/// CRMKit's pacer: even spacing, and the window that keeps late arrivals under a service's
/// per-second limit.
@Suite struct RequestPacerTests {
    /// Waits for a slot on a thread of its own (the pacer sleeps), answering when it was given.
    static func slot(_ pacer: RequestPacer, replicas: Int = 1) async throws -> (ticket: UInt64, at: ContinuousClock.Instant) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { (try pacer.waitForSlot(context: nil, replicas: replicas), ContinuousClock.now) })
            }
        }
    }

    @Test func requestsAreSpacedByTheRate() async throws {
        let pacer = RequestPacer(perSecond: 10)
        let started = ContinuousClock.now
        for _ in 0..<4 { _ = try await Self.slot(pacer) }
        #expect(ContinuousClock.now - started >= .milliseconds(290), "four slots 100 ms apart")
    }

    /// Two replicas each take half the rate: 10 a second becomes slots 200 ms apart, and a
    /// burst of 4 becomes 2, so that together they stay within the account's allowance.
    @Test func eachReplicaTakesItsShareOfTheRateAndTheBurst() async throws {
        let pacer = RequestPacer(perSecond: 10, burst: 4)
        // All four on one thread, so that only the pacer's waits lie between them.
        let given: [Duration] = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let started = ContinuousClock.now
                    return try (0..<4).map { _ in
                        try pacer.waitForSlot(context: nil, replicas: 2)
                        return ContinuousClock.now - started
                    }
                })
            }
        }
        #expect(given[1] < .milliseconds(100), "the halved burst lets two go at once: \(given)")
        #expect(given[2] >= .milliseconds(190) && given[3] >= .milliseconds(390), "then slots 200 ms apart: \(given)")
    }

    /// A window of 6 (amoCRM's 7 a second) is 2 for each of two replicas: at most 3 + 3 arrivals
    /// in any second at the service.
    @Test func eachReplicaTakesItsShareOfTheWindow() async throws {
        let pacer = RequestPacer(perSecond: 1_000, window: 6)
        let first = try await Self.slot(pacer, replicas: 2)
        _ = try await Self.slot(pacer, replicas: 2)
        async let third = Self.slot(pacer, replicas: 2)
        try await Task.sleep(for: .milliseconds(200))
        pacer.ended(first.ticket)
        let ended = ContinuousClock.now
        #expect(try await third.at - ended >= .milliseconds(950), "a third in flight waits for the first's second to pass")
    }

    /// With a window of 2: a third request waits while two are in flight, and then for a second
    /// after the first one ended, however fast the rate would let it go.
    @Test func aWindowCountsRequestsInFlightAndEndedWithinASecond() async throws {
        let pacer = RequestPacer(perSecond: 1_000, window: 2)
        let first = try await Self.slot(pacer)
        let second = try await Self.slot(pacer)
        #expect(first.ticket != 0 && second.ticket != first.ticket)
        async let third = Self.slot(pacer)
        try await Task.sleep(for: .milliseconds(300))
        pacer.ended(first.ticket)
        let ended = ContinuousClock.now
        let given = try await third.at
        #expect(given - ended >= .milliseconds(950), "held until the first had been over for a second: \(given - ended)")
        pacer.ended(second.ticket)
    }

    @Test func withoutAWindowTicketsAreZeroAndEndingThemIsHarmless() async throws {
        let pacer = RequestPacer(perSecond: 1_000)
        let slot = try await Self.slot(pacer)
        #expect(slot.ticket == 0)
        pacer.ended(slot.ticket)
    }
}

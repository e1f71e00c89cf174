import CRMKit
import Dispatch
import Testing

/// CRMKit's pacer: even spacing, and the window that keeps late arrivals under a service's
/// per-second limit.
@Suite struct RequestPacerTests {
    /// Waits for a slot on a thread of its own (the pacer sleeps), answering when it was given.
    static func slot(_ pacer: RequestPacer) async throws -> (ticket: UInt64, at: ContinuousClock.Instant) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { (try pacer.waitForSlot(context: nil), ContinuousClock.now) })
            }
        }
    }

    @Test func requestsAreSpacedByTheRate() async throws {
        let pacer = RequestPacer(perSecond: 10)
        let started = ContinuousClock.now
        for _ in 0..<4 { _ = try await Self.slot(pacer) }
        #expect(ContinuousClock.now - started >= .milliseconds(290), "four slots 100 ms apart")
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

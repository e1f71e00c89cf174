import MarketStore
import Testing

/// The retry schedule's arithmetic, without a database.
@Suite struct RetryScheduleTests {
    @Test func theStandardScheduleMakesTenAttemptsOverAboutThreeDays() {
        let schedule = RetrySchedule.standard
        #expect(schedule.maximumAttempts == 10)
        #expect(schedule.retryDelays == [.seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18_000),
                                         .seconds(36_000), .seconds(50_400), .seconds(72_000), .seconds(86_400)])
        #expect(schedule.delay(afterAttempt: 10) == nil, "the tenth failure dead-letters")
        #expect(schedule.delay(afterAttempt: 0) == nil)
    }

    @Test func jitterStaysWithinItsFraction() {
        let schedule = RetrySchedule(retryDelays: [.seconds(100), .milliseconds(250)], jitter: 0.1)
        let first = (0..<500).compactMap { _ in schedule.delay(afterAttempt: 1) }
        #expect(first.count == 500)
        #expect(first.allSatisfy { (90...110).contains($0) })
        #expect(Set(first).count > 1, "the waits vary")
        #expect(RetrySchedule(retryDelays: [.milliseconds(250)], jitter: 0).delay(afterAttempt: 1) == 0.25)
        #expect(RetrySchedule(retryDelays: [.zero], jitter: 0.5).delay(afterAttempt: 1) == 0)
    }

    @Test func outOfRangeSettingsAreClamped() {
        let schedule = RetrySchedule(retryDelays: [.seconds(-5)], jitter: 3)
        #expect(schedule.retryDelays == [.zero])
        #expect(schedule.jitter == 1)
    }
}

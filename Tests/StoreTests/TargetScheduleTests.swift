import MarketCore
import MarketStore
import Testing

/// The target schedule and how `--target-retry-schedule` is read.
@Suite struct TargetScheduleTests {
    @Test func theWebhookScheduleIsImmediatelyThenFiveSecondsUpToTenHoursTwice() {
        let schedule = RetrySchedule.webhooks
        #expect(schedule.maximumAttempts == 8)
        #expect(schedule.retryDelays == [.seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18000), .seconds(36000), .seconds(36000)])
        #expect(TargetPolicy().retries == schedule)
    }

    @Test func aScheduleIsReadAsTheWaitsBeforeEachAttempt() throws {
        let schedule = try RetrySchedule(attemptTimes: "0,5,300,1800,7200,18000,36000,36000")
        #expect(schedule == RetrySchedule.webhooks)
        #expect(try RetrySchedule(attemptTimes: "0").maximumAttempts == 1)
        #expect(try RetrySchedule(attemptTimes: "0, 0.5").retryDelays == [.milliseconds(500)])
    }

    @Test func aBadScheduleIsRefusedWithItsCode() {
        for text in ["", "5,10", "0,-1", "0,soon", "0,,5"] {
            do {
                _ = try RetrySchedule(attemptTimes: text)
                Issue.record("'\(text)' was accepted")
            } catch let error as MarketError {
                #expect(error.code == .retryScheduleInvalid, "\(text)")
            } catch {
                Issue.record("'\(text)': \(error)")
            }
        }
    }
}

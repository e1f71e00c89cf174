import Foundation
import PluginKit
import Testing

/// PluginKit's one reader of the wait a service asks for, which the CRM, model-provider and
/// webhooks plugins cap each in their own way.
@Suite struct RetryAfterTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func delaySecondsAndFractionsAreMilliseconds() {
        #expect(RetryAfter.milliseconds(["retry-after": "7"], now: now) == 7_000)
        #expect(RetryAfter.milliseconds(["retry-after": " 0.25 "], now: now) == 250)
        #expect(RetryAfter.milliseconds(["retry-after": "0"], now: now) == 0)
    }

    @Test func millisecondsWinOverSeconds() {
        #expect(RetryAfter.milliseconds(["retry-after-ms": "1500", "retry-after": "9"], now: now) == 1_500)
        // An unreadable retry-after-ms falls back to retry-after.
        #expect(RetryAfter.milliseconds(["retry-after-ms": "soon", "retry-after": "2"], now: now) == 2_000)
    }

    @Test func anHTTPDateIsTheTimeLeftUntilItInAnyOfItsThreeForms() {
        let later = now.addingTimeInterval(90)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            #expect(RetryAfter.milliseconds(value: formatter.string(from: later), now: now) == 90_000, "\(format)")
        }
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(RetryAfter.milliseconds(value: formatter.string(from: now.addingTimeInterval(-60)), now: now) == 0)
    }

    @Test func whatIsNotAWaitIsNone() {
        for text in ["", "  ", "-1", "inf", "nan", "0x10", "1e3", "1.2.3", "soon", "Tomorrow, 25 Dec"] {
            #expect(RetryAfter.milliseconds(value: text, now: now) == nil, "\(text)")
        }
        #expect(RetryAfter.milliseconds([:], now: now) == nil)
        #expect(HTTPResponse(status: 429).retryAfterMilliseconds(now: now) == nil)
    }

    @Test func anEnormousWaitStaysARepresentableNumber() {
        let huge = String(repeating: "9", count: 40)
        #expect(RetryAfter.milliseconds(value: huge, now: now) == 1_000_000_000_000)
        #expect(RetryAfter.milliseconds(["retry-after-ms": huge], now: now) == 1_000_000_000_000)
    }
}

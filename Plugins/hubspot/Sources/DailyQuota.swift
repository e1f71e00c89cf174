import Foundation
import PluginKit

/// HubSpot's daily request limit of one account, shared in-process like its pacer: once HubSpot
/// says none are left (`X-HubSpot-RateLimit-Daily-Remaining: 0`, or a 429 with policy `DAILY`),
/// calls fail at once with `RATE_LIMITED` until the limit resets at midnight in the account's
/// time zone, without sending HubSpot more requests it would refuse.
final class DailyQuota: @unchecked Sendable {
    // @unchecked: `resetsAt` and `limit` are only touched under `lock`.
    private let lock = NSLock()
    private var resetsAt: Date?
    /// Whether `resetsAt` is the account's midnight (its time zone known) or an hour's guess.
    private var zoneKnown = false
    private var limit: Int?

    private static let lock = NSLock()
    nonisolated(unsafe) private static var quotas: [String: DailyQuota] = [:]

    static func shared(account: String) -> DailyQuota {
        lock.lock()
        defer { lock.unlock() }
        if let known = quotas[account] { return known }
        let quota = DailyQuota()
        quotas[account] = quota
        return quota
    }

    /// Throws `.rateLimited` while the day's requests are used up.
    func check(now: Date = Date()) throws {
        lock.lock()
        let until = resetsAt
        let limit = limit
        let zoneKnown = zoneKnown
        if let until, until <= now { resetsAt = nil }
        lock.unlock()
        guard let until, until > now else { return }
        let wait = until.timeIntervalSince(now)
        let of = limit.map { " of \($0) requests" } ?? ""
        throw PluginError(.rateLimited, "HubSpot's daily API limit\(of) is used up for this account; it resets \(Self.describe(wait, zoneKnown: zoneKnown)), "
                          + "so no more requests are sent until then (other apps of the account use the same limit)",
                          retryAfterMilliseconds: UInt32(clamping: Int64(wait * 1000)))
    }

    /// Reads the daily headers of a response (HubSpot sends them on most non-search answers).
    func observe(_ response: HTTPResponse, timeZone: String?, now: Date = Date()) {
        if let daily = response.headers["x-hubspot-ratelimit-daily"].flatMap({ Int($0) }) {
            lock.lock()
            limit = daily
            lock.unlock()
        }
        if let remaining = response.headers["x-hubspot-ratelimit-daily-remaining"].flatMap({ Int($0) }), remaining <= 0 {
            exhaust(timeZone: timeZone, now: now)
        }
    }

    /// No requests are left today.
    func exhaust(timeZone: String?, now: Date = Date()) {
        let reset = Self.nextMidnight(timeZone: timeZone, after: now)
        lock.lock()
        resetsAt = reset
        zoneKnown = timeZone.flatMap { TimeZone(identifier: $0) } != nil
        lock.unlock()
    }

    /// Midnight after `now` in the account's time zone. Without a known zone, an hour from now:
    /// one request then asks HubSpot again rather than the plugin guessing a whole day.
    static func nextMidnight(timeZone: String?, after now: Date) -> Date {
        guard let identifier = timeZone, let zone = TimeZone(identifier: identifier) else { return now.addingTimeInterval(3600) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let today = calendar.startOfDay(for: now)
        return calendar.date(byAdding: .day, value: 1, to: today) ?? now.addingTimeInterval(3600)
    }

    private static func describe(_ seconds: TimeInterval, zoneKnown: Bool) -> String {
        guard zoneKnown else { return "tomorrow (at midnight in the account's time zone, which HubSpot did not tell)" }
        let minutes = Int((seconds / 60).rounded(.up))
        return "at midnight in the account's time zone, in \(minutes / 60) h \(minutes % 60) min"
    }
}

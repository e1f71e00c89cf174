import Foundation
import MarketCore

/// What `market analytics` and `GET /v1/tenants/{t}/analytics` ask for: a tenant, a range of UTC
/// days (both ends included) and optionally one channel.
public struct AnalyticsQuery: Sendable, Equatable {
    public let tenant: String
    /// `YYYY-MM-DD`, UTC.
    public let since: String
    public let until: String
    public let channel: String?

    /// Days in a range at most: ten years of daily rows is still a small answer.
    public static let maximumDays = 3_660
    /// The range when `since` is not given: the 30 days ending with `until`.
    public static let defaultDays = 30

    /// - Parameters:
    ///   - since: the first day; default the 29th day before `until`.
    ///   - until: the last day; default today (UTC).
    /// - Throws: `ANALYTICS_QUERY_INVALID` for a day not written `YYYY-MM-DD` (years 1000–9999)
    ///   or a malformed channel; `ANALYTICS_RANGE_INVALID` for a day that does not exist
    ///   (2026-02-30), `since` after `until`, or a range over `maximumDays`.
    public init(tenant: String, since: String? = nil, until: String? = nil, channel: String? = nil, now: Date = Date()) throws {
        let last = try until.map { try CivilDay(parsing: $0, name: "until") }
            ?? CivilDay(daysSinceEpoch: Int((now.timeIntervalSince1970 / 86_400).rounded(.down)))
        let first = try since.map { try CivilDay(parsing: $0, name: "since") } ?? CivilDay(daysSinceEpoch: last.daysSinceEpoch - (Self.defaultDays - 1))
        guard first.daysSinceEpoch <= last.daysSinceEpoch else {
            throw MarketError(.analyticsRangeInvalid, "since (\(first.text)) is after until (\(last.text))", fix: "give since a day on or before until")
        }
        let days = last.daysSinceEpoch - first.daysSinceEpoch + 1
        guard days <= Self.maximumDays else {
            throw MarketError(.analyticsRangeInvalid, "the range holds \(days) days, more than \(Self.maximumDays)",
                              fix: "ask for ten years or less at a time")
        }
        if let channel, channel.range(of: "^[A-Za-z0-9._-]{1,64}$", options: .regularExpression) == nil {
            throw MarketError(.analyticsQueryInvalid, "the channel is not 1–64 of A–Z a–z 0–9 . _ -",
                              fix: "name a channel such as telegram, api or cli")
        }
        self.tenant = tenant
        self.since = first.text
        self.until = last.text
        self.channel = channel
    }
}

/// A day of the proleptic Gregorian calendar, as PostgreSQL's `date` counts them (Foundation's
/// calendar switches to the Julian one before 1582, which PostgreSQL does not).
struct CivilDay: Sendable, Equatable {
    let year: Int
    let month: Int
    let day: Int

    /// - Throws: `ANALYTICS_QUERY_INVALID` unless `text` is `YYYY-MM-DD` with a year from 1000
    ///   to 9999; `ANALYTICS_RANGE_INVALID` when that day does not exist.
    init(parsing text: String, name: String) throws {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.range(of: "^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", options: .regularExpression) != nil,
              parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else {
            throw MarketError(.analyticsQueryInvalid, "\(name) '\(text.prefix(40))' is not a day written YYYY-MM-DD",
                              fix: "write the day as 2026-12-01 (UTC)")
        }
        guard day <= Self.length(year: year, month: month) else {
            throw MarketError(.analyticsRangeInvalid, "\(name) \(text) is not a day of the calendar", fix: "give a day that exists, e.g. \(text.prefix(8))01")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The day `days` after 1970-01-01 (Howard Hinnant's civil_from_days).
    init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    var text: String { String(format: "%04d-%02d-%02d", year, month, day) }

    static func length(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

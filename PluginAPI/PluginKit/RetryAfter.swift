import Foundation

/// How long a service asks its callers to wait: `retry-after-ms` (milliseconds, as OpenAI and
/// Anthropic send it) when present, else `Retry-After` as delay-seconds or an HTTP date
/// (RFC 9110 §10.2.3). One reader for every plugin, so that each caps the wait as its service
/// needs but none reads the header differently.
public enum RetryAfter {
    /// The wait asked for by `headers` (lower-cased names, as `PluginHost.fetch` answers them),
    /// in milliseconds from `now`; nil when neither header is there or readable. A date in the
    /// past is a wait of 0.
    public static func milliseconds(_ headers: [String: String], now: Date = Date()) -> UInt64? {
        if let millis = headers["retry-after-ms"].flatMap(decimal) { return UInt64(min(millis, maximum)) }
        return milliseconds(value: headers["retry-after"], now: now)
    }

    /// One `Retry-After` value in milliseconds from `now`; nil when absent or unreadable.
    public static func milliseconds(value: String?, now: Date = Date()) -> UInt64? {
        guard let text = value?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if let seconds = decimal(text) { return UInt64(min(seconds * 1_000, maximum)) }
        guard let date = httpDate(text) else { return nil }
        return UInt64(min(max(0, date.timeIntervalSince(now) * 1_000).rounded(.up), maximum))
    }

    /// Far beyond any wait a caller keeps (they cap at an hour or a day), and safe to convert.
    private static let maximum = 1e12

    /// A non-negative decimal number of digits with at most one point: what delay-seconds
    /// allows, and the fractions some services send. Not Double's own parser, which takes
    /// "inf", "nan" and hexadecimal.
    private static func decimal(_ text: String) -> Double? {
        var digits = 0, points = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "."): points += 1
            default: return nil
            }
        }
        guard digits > 0, points <= 1 else { return nil }
        return Double(text)
    }

    /// IMF-fixdate, then the obsolete RFC 850 and asctime forms a recipient must accept.
    private static func httpDate(_ text: String) -> Date? {
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let parser = DateFormatter()
            parser.locale = Locale(identifier: "en_US_POSIX")
            parser.timeZone = TimeZone(identifier: "GMT")
            parser.dateFormat = format
            if let date = parser.date(from: text) { return date }
        }
        return nil
    }
}

extension HTTPResponse {
    /// The wait this response asks for (see `RetryAfter`), in milliseconds; nil when it asks none.
    public func retryAfterMilliseconds(now: Date = Date()) -> UInt64? {
        RetryAfter.milliseconds(headers, now: now)
    }
}

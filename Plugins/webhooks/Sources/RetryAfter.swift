import Foundation

/// A `Retry-After` header: delay-seconds or an HTTP date (RFC 9110 §10.2.3), as whole seconds
/// from `now`, at most one day (the host pauses the whole endpoint that long).
enum RetryAfter {
    static let maximumSeconds = 86_400

    static func seconds(_ value: String?, now: Date = Date()) -> Int? {
        guard let text = value?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            return min(Int(text.prefix(9)) ?? maximumSeconds, maximumSeconds)
        }
        for format in formats {
            let parser = DateFormatter()
            parser.locale = Locale(identifier: "en_US_POSIX")
            parser.timeZone = TimeZone(identifier: "GMT")
            parser.dateFormat = format
            if let date = parser.date(from: text) {
                return min(max(0, Int(date.timeIntervalSince(now).rounded(.up))), maximumSeconds)
            }
        }
        return nil
    }

    /// IMF-fixdate, then the obsolete RFC 850 and asctime forms a recipient must accept.
    private static let formats = ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"]
}

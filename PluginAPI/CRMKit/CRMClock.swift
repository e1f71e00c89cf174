import Foundation
import PluginKit

/// Timestamps and ids of CRM records. Both sort by creation time: a timestamp is UTC with
/// microseconds in a fixed width, and an id starts with the creation time in hexadecimal, so
/// records made within one microsecond still keep an order.
public enum CRMClock {
    /// Microseconds since 1970.
    public static func nowMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }

    /// `2026-03-01T09:30:00.123456Z`.
    public static func timestamp(_ microseconds: UInt64) -> String {
        var seconds = time_t(microseconds / 1_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(Int(microseconds % 1_000_000), 6))Z"
    }

    /// `ld_` and 13 hex digits of `microseconds`, then 8 random ones.
    public static func id(_ prefix: String, _ microseconds: UInt64) -> String {
        let time = String(microseconds, radix: 16)
        let random = String(UInt32.random(in: 0 ... .max), radix: 16)
        return prefix + "_" + String(repeating: "0", count: max(0, 13 - time.count)) + time
            + String(repeating: "0", count: 8 - random.count) + random
    }

    /// A due time in ISO 8601 (with or without fractions and an offset), in the CRM's UTC form.
    public static func dueTime(_ text: String) throws -> String {
        timestamp(UInt64(max(0, (try dueDate(text).timeIntervalSince1970 * 1_000_000).rounded())))
    }

    /// A due time in ISO 8601 (with or without fractions and an offset) as a date.
    public static func dueDate(_ text: String) throws -> Date {
        for options in [ISO8601DateFormatter.Options.withInternetDateTime, [.withInternetDateTime, .withFractionalSeconds]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        throw PluginError(.invalidArgument, "due_at '\(text.prefix(40))' is not an ISO 8601 time; give one such as 2026-03-01T09:30:00Z or 2026-03-01T12:30:00+03:00")
    }

    /// A CRM's Unix time (seconds) in the contract's form.
    public static func timestamp(unixSeconds: Int64) -> String {
        timestamp(UInt64(max(0, unixSeconds)) * 1_000_000)
    }
}

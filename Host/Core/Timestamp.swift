import Foundation

/// The one written form of a moment: RFC 3339 in UTC with milliseconds,
/// `2026-01-01T00:00:00.123Z`, as docs/abi.md promises for event timestamps. Envelopes, API
/// responses and the CLI's JSON all write dates this way, so a timestamp reads the same
/// wherever it is seen.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted))
    }
}

extension JSONEncoder.DateEncodingStrategy {
    /// Dates as `Timestamp.format` writes them.
    public static var timestampWithMilliseconds: Self {
        .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
    }
}

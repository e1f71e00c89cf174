/// A tenant's figures over a range of days: the whole range, each day (all channels, or the
/// one asked for) and each channel. Days and channels without activity are left out.
public struct AnalyticsReport: Sendable, Equatable, Encodable {
    public struct Day: Sendable, Equatable, Encodable {
        /// `YYYY-MM-DD`, UTC.
        public let day: String
        public let figures: AnalyticsFigures

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(day, forKey: Key("day"))
            try figures.encode(to: encoder)
        }
    }

    public struct Channel: Sendable, Equatable, Encodable {
        public let channel: String
        public let figures: AnalyticsFigures

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(channel, forKey: Key("channel"))
            try figures.encode(to: encoder)
        }
    }

    public let query: AnalyticsQuery
    public let totals: AnalyticsFigures
    /// Oldest first.
    public let days: [Day]
    /// By name.
    public let channels: [Channel]

    enum CodingKeys: String, CodingKey {
        case tenant, since, until, channel, totals, days, channels
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(query.tenant, forKey: .tenant)
        try container.encode(query.since, forKey: .since)
        try container.encode(query.until, forKey: .until)
        try container.encode(query.channel, forKey: .channel)
        try container.encode(totals, forKey: .totals)
        try container.encode(days, forKey: .days)
        try container.encode(channels, forKey: .channels)
    }

    /// A key named at run time: a day's or channel's name beside its figures' keys.
    struct Key: CodingKey {
        let stringValue: String
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}

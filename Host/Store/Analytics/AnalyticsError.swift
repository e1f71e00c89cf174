import MarketCore

/// The built-in analytics' named errors.
extension MarketError.Code {
    /// A day not written `YYYY-MM-DD`, or a malformed channel name (HTTP 400).
    public static let analyticsQueryInvalid = Self(rawValue: "ANALYTICS_QUERY_INVALID")
    /// A well-written range that cannot be answered: a day that does not exist, `since` after
    /// `until`, or more than ten years (HTTP 422).
    public static let analyticsRangeInvalid = Self(rawValue: "ANALYTICS_RANGE_INVALID")
}

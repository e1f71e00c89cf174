import MarketCore

/// The event bus's named errors. Messages never carry an event's data.
extension MarketError.Code {
    /// An envelope cannot be published as given (bad type, data, ids, or an unknown tenant).
    public static let eventInvalid = Self(rawValue: "EVENT_INVALID")
    /// A subscription names a bad pattern or a plugin the tenant has not installed.
    public static let subscriptionInvalid = Self(rawValue: "SUBSCRIPTION_INVALID")
    /// No event has the id asked for.
    public static let eventNotFound = Self(rawValue: "EVENT_NOT_FOUND")
    /// A published event's id is already another event's (of another tenant, or with other content).
    public static let eventIDTaken = Self(rawValue: "EVENT_ID_TAKEN")
}

extension MarketError.Code {
    /// A retry schedule given on the command line is not a list of seconds starting with 0.
    public static let retryScheduleInvalid = Self(rawValue: "RETRY_SCHEDULE_INVALID")
}

import MarketCore

/// Something that takes delivery of events: a plugin instance, a webhook sender, a test's sink.
/// `deliver` may be called concurrently for different events, and again for an event it has
/// seen (delivery is at least once): the event id is the idempotency key.
public protocol DeliveryTarget: Sendable {
    /// Hands the event over. Throwing counts as `.retryLater` with the error's description.
    func deliver(_ event: EventEnvelope) async throws -> EventDeliveryOutcome

    /// Hands the event to one of the subscriber's targets (market.targets/1), for attempt
    /// `attempt` (1-based). Throwing counts as a `.retry` outcome with the error's description.
    func deliver(_ event: EventEnvelope, to target: ClaimedTarget, attempt: Int) async throws -> TargetOutcome
}

extension DeliveryTarget {
    /// A subscriber that delivers to no targets.
    public func deliver(_ event: EventEnvelope, to target: ClaimedTarget, attempt: Int) async throws -> TargetOutcome {
        throw MarketError(.capabilityMissing, "this subscriber delivers to no targets", fix: "deliver target rows through a market.targets/1 plugin")
    }
}

/// Finds the target for a subscriber on this replica.
public protocol DeliveryTargets: Sendable {
    /// The target for `subscriber`, or nil when it has none here; the delivery is then retried
    /// on the schedule (another replica, or this one later, may have it).
    func target(for subscriber: Subscriber) async -> (any DeliveryTarget)?
}

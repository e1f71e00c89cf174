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

    /// Hands over several due events of this subscriber; one outcome per event, in order.
    /// Throwing counts as `.retryLater` for all of them. By default each goes to
    /// `deliver(_:)`, all at once.
    func deliver(batch events: [EventEnvelope]) async throws -> [EventDeliveryOutcome]
}

extension DeliveryTarget {
    public func deliver(batch events: [EventEnvelope]) async throws -> [EventDeliveryOutcome] {
        try await deliverEach(events)
    }

    /// Each event through `deliver(_:)`, concurrently; a throw is that event's `.retryLater`.
    public func deliverEach(_ events: [EventEnvelope]) async throws -> [EventDeliveryOutcome] {
        await withTaskGroup(of: (Int, EventDeliveryOutcome).self) { group in
            for (index, event) in events.enumerated() {
                group.addTask {
                    do { return (index, try await self.deliver(event)) } catch { return (index, .retryLater("\(error)")) }
                }
            }
            var outcomes = [EventDeliveryOutcome](repeating: .acknowledged, count: events.count)
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
    }

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

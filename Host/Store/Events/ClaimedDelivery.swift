import Foundation
import MarketCore

/// A delivery row a worker holds under a lease: the event to hand over and to whom.
public struct ClaimedDelivery: Sendable, Equatable {
    /// The event, as it was published.
    public let event: EventEnvelope
    /// Who receives it.
    public let subscriber: Subscriber
    /// The id of the target (market.targets/1) the subscriber delivers it to; nil for the plugin itself.
    public let targetID: String?
    /// That target as the claim read it; nil for the plugin itself and for rows the claim dead-lettered.
    public let target: ClaimedTarget?
    /// 1 for the first attempt; a lease that expired counts as an attempt.
    public let attempt: Int
    /// The lease's end as the server wrote it; completing the row requires it to be unchanged,
    /// so a worker whose lease ran out cannot overwrite the outcome of the one that took over.
    let lease: String

    public init(event: EventEnvelope, subscriber: Subscriber, targetID: String? = nil, target: ClaimedTarget? = nil, attempt: Int, lease: String) {
        self.event = event
        self.subscriber = subscriber
        self.targetID = targetID ?? target?.id
        self.target = target
        self.attempt = attempt
        self.lease = lease
    }
}

/// What became of a claimed delivery.
public enum DeliveryResult: Sendable, Equatable {
    /// Delivered and acknowledged.
    case delivered
    /// Failed; try again after `delay` seconds.
    case retry(delay: Double, error: String)
    /// Failed for good: rejected, or out of attempts.
    case dead(error: String)
    /// Not attempted: the subscriber's connection needs a person (docs/connections.md). The
    /// attempt is given back and the row waits until the connection is made again.
    case held(reason: String)
}

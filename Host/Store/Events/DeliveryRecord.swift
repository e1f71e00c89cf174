import Foundation

/// Where a delivery row stands.
public enum DeliveryStatus: String, Sendable, CaseIterable {
    /// Waiting for its next attempt, or being attempted.
    case pending
    /// Acknowledged by its subscriber.
    case delivered
    /// Rejected, or out of attempts; `replay` puts it back.
    case dead
}

/// One event's delivery to one subscriber, as `market deliveries list` shows it.
public struct DeliveryRecord: Sendable, Equatable {
    public let eventID: String
    /// The event's position in the events table: deliveries are listed by it, newest first.
    public let eventSeq: Int64
    public let eventType: String
    public let subscriber: Subscriber
    public let conversationID: String?
    public let status: DeliveryStatus
    /// Attempts made so far (a claim whose lease ran out counts).
    public let attempts: Int
    /// When a pending row is next due (for a row being attempted: when its lease ends).
    public let nextAttemptAt: Date
    /// The last failure's message, if any.
    public let lastError: String?
    public let createdAt: Date
    public let deliveredAt: Date?
}

/// Which delivery rows to list or replay; nil fields match everything.
public struct DeliveryFilter: Sendable, Equatable {
    public var tenantID: String?
    /// A plugin id.
    public var subscriber: String?
    public var status: DeliveryStatus?
    public var eventID: String?

    public init(tenantID: String? = nil, subscriber: String? = nil, status: DeliveryStatus? = nil, eventID: String? = nil) {
        self.tenantID = tenantID
        self.subscriber = subscriber
        self.status = status
        self.eventID = eventID
    }

    /// The filter as SQL conditions on `deliveries d`, with `$1`…`$4` bound by `parameters`.
    static let conditions = """
        ($1::text IS NULL OR d.tenant_id = $1) AND ($2::text IS NULL OR d.subscriber = $2)
        AND ($3::text IS NULL OR d.status = $3) AND ($4::text IS NULL OR d.event_id = $4)
        """

    var parameters: [any PostgresEncodable] { [tenantID, subscriber, status?.rawValue, eventID] }
}

import Foundation
import MarketStore

/// One event's delivery to one of the tenant's plugins, as the API shows it.
struct DeliveryResource: Encodable {
    let eventID: String
    let eventSeq: Int64
    let eventType: String
    let subscriber: String
    let conversationID: String?
    let status: String
    let attempts: Int
    let nextAttemptAt: Date
    let lastError: String?
    let createdAt: Date
    let deliveredAt: Date?

    init(_ record: DeliveryRecord) {
        eventID = record.eventID
        eventSeq = record.eventSeq
        eventType = record.eventType
        subscriber = record.subscriber.pluginID
        conversationID = record.conversationID
        status = record.status.rawValue
        attempts = record.attempts
        nextAttemptAt = record.nextAttemptAt
        lastError = record.lastError
        createdAt = record.createdAt
        deliveredAt = record.deliveredAt
    }

    enum CodingKeys: String, CodingKey {
        case subscriber, status, attempts
        case eventID = "event_id"
        case eventSeq = "event_seq"
        case eventType = "event_type"
        case conversationID = "conversation_id"
        case nextAttemptAt = "next_attempt_at"
        case lastError = "last_error"
        case createdAt = "created_at"
        case deliveredAt = "delivered_at"
    }
}

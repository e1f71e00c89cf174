import Foundation
import MarketCore
import MarketStore

/// An event as the API shows it: the envelope every subscriber receives, and its `seq` (the
/// position the events list pages by).
struct EventResource: Encodable {
    let seq: Int64
    let id: String
    let type: String
    let timestamp: Date
    let tenantID: String
    let conversationID: String?
    let experiment: JSONValue?
    let data: JSONValue

    init(_ stored: EventBus.StoredEvent) {
        let envelope = stored.envelope
        seq = stored.seq
        id = envelope.id
        type = envelope.type
        timestamp = envelope.timestamp
        tenantID = envelope.tenantID
        conversationID = envelope.conversationID
        experiment = envelope.experiment
        // Stored data is always a JSON object (publishing checks it).
        data = (try? JSONValue(parsing: envelope.data)) ?? .object([:])
    }

    enum CodingKeys: String, CodingKey {
        case seq, id, type, timestamp, experiment, data
        case tenantID = "tenant_id"
        case conversationID = "conversation_id"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(timestamp, forKey: .timestamp)
        try container.encode(tenantID, forKey: .tenantID)
        // The envelope always has these members, null when empty.
        try container.encode(conversationID, forKey: .conversationID)
        try container.encode(experiment ?? .null, forKey: .experiment)
        try container.encode(data, forKey: .data)
    }
}

import Foundation

/// One event, in the Standard-Webhooks-compatible envelope every subscriber receives.
/// `data` stays raw JSON text: the host passes it through without re-encoding.
public struct EventEnvelope: Sendable, Equatable {
    public var id: String
    public var type: String
    public var timestamp: Date
    public var tenantID: String
    public var conversationID: String?
    /// The A/B experiment assignment in force when the event happened, as a JSON object.
    public var experiment: JSONValue?
    /// A JSON object, as text.
    public var data: String

    public init(id: String = EventEnvelope.newID(), type: String, timestamp: Date = Date(), tenantID: String,
                conversationID: String? = nil, experiment: JSONValue? = nil, data: String) {
        self.id = id
        self.type = type
        self.timestamp = timestamp
        self.tenantID = tenantID
        self.conversationID = conversationID
        self.experiment = experiment
        self.data = data
    }

    /// A new event id: `evt_` and 32 hex digits whose first 12 are the time in milliseconds,
    /// so ids sort roughly by creation.
    public static func newID(now: Date = Date()) -> String {
        // Rounded, not truncated: a Double a hair below a whole millisecond is that millisecond.
        let millis = UInt64(max(0, (now.timeIntervalSince1970 * 1000).rounded()))
        let random = (UInt64.random(in: 0...UInt64.max), UInt32.random(in: 0...UInt32.max))
        return "evt_" + hex(millis, digits: 12) + hex(random.0, digits: 16) + hex(UInt64(random.1), digits: 4)
    }

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text.suffix(digits)
    }

    /// The envelope as JSON text, with `data` embedded verbatim.
    public var jsonText: String {
        func quoted(_ text: String) -> String { JSONValue.string(text).jsonText }
        let conversation = conversationID.map(quoted) ?? "null"
        return "{\"id\":\(quoted(id)),\"type\":\(quoted(type)),\"timestamp\":\(quoted(Timestamp.format(timestamp)))," +
            "\"tenant_id\":\(quoted(tenantID)),\"conversation_id\":\(conversation)," +
            "\"experiment\":\(experiment?.jsonText ?? "null"),\"data\":\(data)}"
    }
}

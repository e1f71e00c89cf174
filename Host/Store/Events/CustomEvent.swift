import MarketCore

/// The rules for an event a tenant publishes itself, through the API (`POST
/// /v1/tenants/{tenant}/events`) or `market events publish`: one place, so both accept the same.
public enum CustomEvent {
    /// Namespaces of the host's own events (the conversation engine's, and the delivery
    /// targets' `delivery.dead` and `target.disabled`): a tenant cannot publish into them, so a
    /// subscriber can trust a `message.received` came from the host.
    public static let reservedNamespaces = ["conversation", "message", "llm", "tool", "feedback", "delivery", "target"]

    /// Event and conversation ids: 1–200 printable ASCII characters, no spaces.
    public static func isPrintableID(_ text: String) -> Bool {
        (1...200).contains(text.utf8.count) && text.utf8.allSatisfy { $0 > 32 && $0 < 127 }
    }

    /// The envelope of a custom event; a new id when `id` is nil.
    /// - Throws: `EVENT_INVALID` naming what is wrong and how to write it.
    public static func envelope(type: String, id: String?, conversationID: String?, data: JSONValue, tenant: String) throws -> EventEnvelope {
        guard EventTypePattern.isValidType(type) else {
            throw MarketError(.eventInvalid, "'\(type.prefix(128))' is not an event type",
                              fix: "use dotted lower-case names such as lead.created (patterns with * are for subscribing)")
        }
        let namespace = String(type.prefix { $0 != "." })
        guard !reservedNamespaces.contains(namespace) else {
            throw MarketError(.eventInvalid, "the host publishes the \(namespace).* events itself",
                              fix: "choose a type outside \(reservedNamespaces.map { "\($0).*" }.joined(separator: ", ")), e.g. lead.created")
        }
        if let id, !isPrintableID(id) {
            throw MarketError(.eventInvalid, "the event id must be 1–200 printable ASCII characters without spaces",
                              fix: "use an id such as order-1234-created, or none and one is made")
        }
        if let conversationID, !isPrintableID(conversationID) {
            throw MarketError(.eventInvalid, "the conversation id must be 1–200 printable ASCII characters without spaces",
                              fix: "leave it out for events outside a conversation")
        }
        guard case .object = data else {
            throw MarketError(.eventInvalid, "the event's data must be a JSON object", fix: "send e.g. {\"name\": \"Ada\"}")
        }
        return EventEnvelope(id: id ?? EventEnvelope.newID(), type: type, tenantID: tenant, conversationID: conversationID, data: data.jsonText)
    }
}

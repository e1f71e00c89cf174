import MarketCore

/// Envelopes checked for publishing, and the statements that write them.
struct PublishBatch: Sendable {
    let envelopes: [EventEnvelope]

    var isEmpty: Bool { envelopes.isEmpty }

    /// - Throws: `EVENT_INVALID` naming the first bad envelope and what is wrong with it.
    init(_ envelopes: [EventEnvelope]) throws {
        for (index, event) in envelopes.enumerated() {
            func invalid(_ problem: String, _ fix: String) -> MarketError {
                MarketError(.eventInvalid, "event \(envelopes.count > 1 ? "\(index + 1) " : "")\(problem)", fix: fix)
            }
            guard (1...200).contains(event.id.utf8.count), event.id.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 }) else {
                throw invalid("has an id that is not 1–200 printable ASCII characters", "use EventEnvelope.newID() for new events")
            }
            guard EventTypePattern.isValidType(event.type) else {
                throw invalid("\(event.id) has the type '\(event.type)', which is not a dotted lower-case name", "use a type such as lead.created")
            }
            guard !event.tenantID.isEmpty else { throw invalid("\(event.id) names no tenant", "set tenantID to the tenant the event belongs to") }
            guard event.conversationID.map({ !$0.isEmpty && $0.utf8.count <= 200 }) ?? true else {
                throw invalid("\(event.id) has an empty or over-long conversation id", "pass nil for events outside a conversation")
            }
            guard JSONSyntax.isObject(event.data) else {
                throw invalid("\(event.id) has data that is not a JSON object", "pass the event's data as a JSON object, such as {\"name\":\"Ada\"}")
            }
        }
        // Ids are unique per tenant: two tenants may both use an id.
        var seen = Set<[String]>()
        self.envelopes = envelopes.filter { seen.insert([$0.tenantID, $0.id]).inserted }
    }

    /// The tenant and conversation pairs, sorted, so concurrent publishers lock them in one order.
    var conversationKeys: [String] {
        Set(envelopes.compactMap { event in event.conversationID.map { event.tenantID + "\u{1F}" + $0 } }).sorted()
    }

    /// Writes events and deliveries in one transaction, then notifies the workers and tails.
    func write(on connection: PostgresConnection) throws -> EventBus.PublishResult {
        // One statement is a transaction of its own: one round trip.
        let written = try conversationKeys.isEmpty ? insert(on: connection) : connection.transaction { try writeInTransaction(on: $0) }
        try Self.notify(after: written, on: connection)
        return written
    }

    /// Writes events and deliveries inside the caller's transaction; the caller notifies
    /// (`notify(after:on:)`) once it has committed.
    func writeInTransaction(on connection: PostgresConnection) throws -> EventBus.PublishResult {
        let keys = conversationKeys
        if !keys.isEmpty { _ = try connection.prepared(Self.lockConversations, [JSONValue.array(keys.map(JSONValue.string)).jsonText]) }
        return try insert(on: connection)
    }

    private func insert(on connection: PostgresConnection) throws -> EventBus.PublishResult {
        let events = "[" + envelopes.map(\.jsonText).joined(separator: ",") + "]"
        do {
            guard let row = try connection.prepared(Self.insert, [events]).first else { return EventBus.PublishResult(events: 0, deliveries: 0) }
            return EventBus.PublishResult(events: try row.decode("events", as: Int.self), deliveries: try row.decode("deliveries", as: Int.self))
        } catch let error as MarketError where error.sqlState == "23503" {
            let tenants = Set(envelopes.map(\.tenantID)).sorted().joined(separator: ", ")
            throw MarketError(.eventInvalid, "no such tenant (\(tenants)): events belong to an existing tenant",
                              fix: "create the tenant first, or publish with the id of one that exists", underlying: error)
        }
    }

    /// Notifies the channels after the write committed, in a transaction of its own that does
    /// not wait for the disk. PostgreSQL serialises the commits of notifying transactions, so a
    /// NOTIFY inside the write would make every publish wait for the previous one's flush (a
    /// few milliseconds each here) and defeat group commit. A notification lost to a crash in
    /// between is made up for by the workers' poll.
    static func notify(after written: EventBus.PublishResult, on connection: PostgresConnection) throws {
        var notifies: [String] = []
        if written.events > 0 { notifies.append("SELECT pg_notify('\(EventBus.eventsChannel)', '')") }
        if written.deliveries > 0 { notifies.append("SELECT pg_notify('\(EventBus.deliveriesChannel)', '')") }
        guard !notifies.isEmpty else { return }
        try connection.run((["BEGIN", "SET LOCAL synchronous_commit TO off"] + notifies + ["COMMIT"]).joined(separator: "; "))
    }

    /// Serialises publishers of the same conversation until commit, so that the events' `seq`
    /// order is also their commit order and a worker never sees a later event before an
    /// earlier one. The two-key form keeps these locks apart from single-key advisory locks.
    static let lockConversations = """
        SELECT count(pg_advisory_xact_lock(1702260340, h)) AS locked
        FROM (SELECT DISTINCT hashtext(k) AS h FROM jsonb_array_elements_text($1::jsonb) AS k ORDER BY 1) AS keys
        """

    /// $1: a JSON array of envelopes (EventEnvelope.jsonText). Writes the new events in array
    /// order, a delivery row per enabled installation of the event's tenant subscribed to a
    /// matching pattern, and one per enabled target (market.targets/1) of an enabled installation
    /// with a matching pattern. A target row carries the conversation (its ordering key) only
    /// when the target asks for order.
    static let insert = """
        WITH input AS (
            SELECT e.value AS event, e.ordinality AS position FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e
        ), inserted AS (
            INSERT INTO events (id, type, tenant_id, conversation_id, experiment, data, occurred_at)
            SELECT event->>'id', event->>'type', event->>'tenant_id', event->>'conversation_id',
                   NULLIF(event->'experiment', 'null'::jsonb), event->'data', (event->>'timestamp')::timestamptz
            FROM input ORDER BY position
            ON CONFLICT (id, tenant_id) DO NOTHING
            RETURNING id, seq, type, tenant_id, conversation_id
        ), fanned AS (
            INSERT INTO deliveries (event_id, subscriber, tenant_id, conversation_id, event_seq)
            SELECT DISTINCT i.id, s.plugin_id, i.tenant_id, i.conversation_id, i.seq
            FROM inserted i
            JOIN event_subscriptions s ON s.tenant_id = i.tenant_id
                AND (s.pattern = '*' OR s.pattern = i.type OR (s.pattern LIKE '%.*' AND starts_with(i.type, left(s.pattern, -1))))
            JOIN plugin_installations p ON p.tenant_id = s.tenant_id AND p.plugin_id = s.plugin_id AND p.enabled
            RETURNING 1
        ), targeted AS (
            INSERT INTO deliveries (event_id, subscriber, target, tenant_id, conversation_id, event_seq)
            SELECT i.id, t.plugin_id, t.id, i.tenant_id, CASE WHEN t.ordered THEN i.conversation_id END, i.seq
            FROM inserted i
            JOIN event_targets t ON t.tenant_id = i.tenant_id AND t.enabled
                AND EXISTS (SELECT 1 FROM unnest(t.patterns) AS pattern
                            WHERE pattern = '*' OR pattern = i.type OR (pattern LIKE '%.*' AND starts_with(i.type, left(pattern, -1))))
            JOIN plugin_installations p ON p.tenant_id = t.tenant_id AND p.plugin_id = t.plugin_id AND p.enabled
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM inserted) AS events, (SELECT count(*) FROM fanned) + (SELECT count(*) FROM targeted) AS deliveries
        """
}

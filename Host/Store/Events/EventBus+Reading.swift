import Foundation
import MarketCore

extension EventBus {
    /// An event as stored, with its position in the table.
    public struct StoredEvent: Sendable, Equatable {
        /// The order events were written in; ascending within a conversation.
        public let seq: Int64
        public let envelope: EventEnvelope
    }

    /// Events written after `seq`, oldest first, optionally of one tenant, of types matching
    /// `pattern` and of one conversation. `market events tail` and the events API read with it.
    public func events(after seq: Int64, tenantID: String? = nil, pattern: EventTypePattern? = nil, conversationID: String? = nil,
                       limit: Int = 500) async throws -> [StoredEvent] {
        let rows = try await pool.query("""
            SELECT seq, id, type, tenant_id, conversation_id, experiment::text AS experiment, data::text AS data, occurred_at
            FROM events
            WHERE seq > $1 AND ($2::text IS NULL OR tenant_id = $2)
              AND ($3::text IS NULL OR $3 = '*' OR type = $3 OR ($3 LIKE '%.*' AND starts_with(type, left($3, -1))))
              AND ($5::text IS NULL OR conversation_id = $5)
            ORDER BY seq LIMIT $4
            """, [seq, tenantID, pattern?.text, max(1, limit), conversationID])
        return try Self.storedEvents(rows)
    }

    /// The tenant's event with `id`, or nil when the tenant has none with it.
    public func event(id: String, tenantID: String) async throws -> StoredEvent? {
        let rows = try await pool.query("""
            SELECT seq, id, type, tenant_id, conversation_id, experiment::text AS experiment, data::text AS data, occurred_at
            FROM events WHERE id = $1 AND tenant_id = $2
            """, [id, tenantID])
        return try Self.storedEvents(rows).first
    }

    static func storedEvents(_ rows: QueryResult) throws -> [StoredEvent] {
        try rows.map { row in
            let envelope = EventEnvelope(id: try row.decode("id"), type: try row.decode("type"), timestamp: try row.decode("occurred_at"), tenantID: try row.decode("tenant_id"),
                                         conversationID: try row.decode("conversation_id"), experiment: try row.decode("experiment"),
                                         data: try row.decode("data"))
            return StoredEvent(seq: try row.decode("seq"), envelope: envelope)
        }
    }

    /// The `seq` of the newest event (0 when there is none): where a tail starts.
    public func latestSeq() async throws -> Int64 {
        let rows = try await pool.query("SELECT coalesce(max(seq), 0)::int8 AS seq FROM events")
        return try rows.first?.decode("seq", as: Int64.self) ?? 0
    }
}

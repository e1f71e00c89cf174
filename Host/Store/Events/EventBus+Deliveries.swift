import Foundation
import Logging
import MarketCore

extension EventBus {
    /// Delivery rows matching `filter`, newest events first; with `beforeSeq`, only those of
    /// events written before that `seq` (the next page after a page's last `eventSeq`).
    public func deliveries(_ filter: DeliveryFilter = DeliveryFilter(), beforeSeq: Int64? = nil, limit: Int = 100) async throws -> [DeliveryRecord] {
        let rows = try await pool.query("""
            SELECT d.event_id, d.event_seq, e.type, d.tenant_id, d.subscriber, d.conversation_id, d.status, d.attempts, d.next_attempt_at,
                   d.last_error, d.created_at, d.delivered_at
            FROM deliveries d JOIN events e ON e.id = d.event_id AND e.tenant_id = d.tenant_id
            WHERE \(DeliveryFilter.conditions) AND ($6::int8 IS NULL OR d.event_seq < $6)
            ORDER BY d.event_seq DESC, d.subscriber LIMIT $5
            """, filter.parameters + [max(1, limit), beforeSeq])
        return try rows.map { row in
            let status: String = try row.decode("status")
            return DeliveryRecord(eventID: try row.decode("event_id"), eventSeq: try row.decode("event_seq"), eventType: try row.decode("type"),
                                  subscriber: Subscriber(tenantID: try row.decode("tenant_id"), pluginID: try row.decode("subscriber")),
                                  conversationID: try row.decode("conversation_id"), status: DeliveryStatus(rawValue: status) ?? .pending,
                                  attempts: try row.decode("attempts"), nextAttemptAt: try row.decode("next_attempt_at"),
                                  lastError: try row.decode("last_error"), createdAt: try row.decode("created_at"),
                                  deliveredAt: try row.decode("delivered_at"))
        }
    }

    /// Puts delivered and dead rows matching `filter` back to pending with fresh attempts, due
    /// now, and wakes the workers. Pending rows are left as they are. Subscribers then receive
    /// those events again, with the same ids.
    /// - Returns: how many rows were reset.
    /// - Throws: `EVENT_NOT_FOUND` when the filter names an event that does not exist.
    @discardableResult
    public func replay(_ filter: DeliveryFilter) async throws -> Int {
        let count = try await pool.withConnection { connection in
            try connection.transaction { connection in
                if let eventID = filter.eventID, try connection.query("SELECT 1 FROM events WHERE id = $1 AND ($2::text IS NULL OR tenant_id = $2)",
                                                                                     [eventID, filter.tenantID]).isEmpty {
                    throw MarketError(.eventNotFound, "no event has the id \(eventID)", fix: "copy the id from `market deliveries list`")
                }
                let reset = try connection.query("""
                    UPDATE deliveries d SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL,
                                            last_error = NULL, delivered_at = NULL
                    WHERE \(DeliveryFilter.conditions) AND d.status IN ('delivered', 'dead')
                    """, filter.parameters)
                if reset.affectedRows > 0 { try connection.notify(channel: Self.deliveriesChannel) }
                return reset.affectedRows
            }
        }
        if count > 0 { logger.info("replaying deliveries", metadata: ["count": "\(count)"]) }
        return count
    }
}

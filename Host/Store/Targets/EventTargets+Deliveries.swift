import Foundation
import MarketCore

extension EventTargets {
    /// The attempt log of an event (to every target of the tenant, or to one), oldest first.
    public func attempts(tenant: String, event: String, target: String? = nil, by principal: Principal) async throws -> [DeliveryAttempt] {
        try principal.requireAccess(to: tenant)
        return try await pool.query("""
            SELECT event_id, target, attempt, at, outcome, status, duration_ms, response, error FROM delivery_attempts
            WHERE tenant_id = $1 AND event_id = $2 AND ($3::text IS NULL OR target = $3) ORDER BY id
            """, [tenant, event, target]).map { row in
            DeliveryAttempt(eventID: try row.decode("event_id"), targetID: try row.decode("target"), attempt: try row.decode("attempt"),
                            at: try row.decode("at"), outcome: try row.decode("outcome"), status: try row.decode("status"),
                            durationMilliseconds: try row.decode("duration_ms"), response: try row.decode("response"), error: try row.decode("error"))
        }
    }

    /// Sends one event to one target again: its row back to pending with fresh attempts, due now.
    /// A row being attempted right now is left alone (it is pending already).
    /// - Throws: `TARGET_NOT_FOUND`; `DELIVERY_NOT_FOUND` when the target has no row for the event.
    public func resend(target: String, event: String, tenant: String, by principal: Principal) async throws {
        try principal.requireAccess(to: tenant)
        try await pool.transaction { connection in
            _ = try Self.first(try connection.prepared("SELECT id FROM event_targets WHERE id = $1 AND tenant_id = $2", [target, tenant]), target)
            let found = try connection.prepared("""
                UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL, delivered_at = NULL,
                    locked_until = CASE WHEN status = 'pending' THEN locked_until END
                WHERE tenant_id = $1 AND target = $2 AND event_id = $3 RETURNING 1
                """, [tenant, target, event])
            guard found.affectedRows > 0 else {
                throw MarketError(.deliveryNotFound, "target \(target) has no delivery of event \(event.prefix(200))",
                                  fix: "copy the message id from the target's attempts or `market deliveries list`")
            }
            try AuditWriter.record(connection, tenant: tenant, by: principal, action: "target.resend", target: "target:\(target)",
                                   details: ["event_id": .string(event)])
            try connection.notify(channel: EventBus.deliveriesChannel)
        }
    }

    /// Sends again every dead delivery of a target whose event was written at or after `since`.
    /// - Returns: how many rows were put back.
    /// - Throws: `TARGET_NOT_FOUND`.
    @discardableResult
    public func recover(target: String, since: Date, tenant: String, by principal: Principal) async throws -> Int {
        try principal.requireAccess(to: tenant)
        return try await pool.transaction { connection in
            _ = try Self.first(try connection.prepared("SELECT id FROM event_targets WHERE id = $1 AND tenant_id = $2", [target, tenant]), target)
            let reset = try connection.prepared("""
                UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL, locked_until = NULL
                WHERE tenant_id = $1 AND target = $2 AND status = 'dead' AND created_at >= $3
                """, [tenant, target, since])
            try AuditWriter.record(connection, tenant: tenant, by: principal, action: "target.recover", target: "target:\(target)",
                                   details: ["since": .string(Timestamp.format(since)), "count": .integer(Int64(reset.affectedRows))])
            if reset.affectedRows > 0 { try connection.notify(channel: EventBus.deliveriesChannel) }
            return reset.affectedRows
        }
    }
}

extension MarketError.Code {
    /// No delivery of that event to that target.
    public static let deliveryNotFound = Self(rawValue: "DELIVERY_NOT_FOUND")
}

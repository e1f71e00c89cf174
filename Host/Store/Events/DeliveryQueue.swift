import MarketCore

/// The outbox's claim and completion statements, for `DeliveryWorker` and for tests that play
/// a worker which dies holding its claims.
public struct DeliveryQueue: Sendable {
    let pool: DatabasePool

    public init(pool: DatabasePool) { self.pool = pool }

    /// Claims up to `limit` due delivery rows for `lease`: pending rows of enabled installations
    /// whose next attempt is due (a disabled plugin's rows wait for it), skipping rows other workers hold, and, in a conversation, every row but the
    /// subscriber's earliest pending one. Claiming counts an attempt and moves the row's next
    /// attempt to the lease's end, so the row comes back by itself if the worker dies.
    public func claim(limit: Int, lease: Duration) async throws -> [ClaimedDelivery] {
        let seconds = lease.inSeconds
        let rows = try await pool.withConnection { connection in
            // A claim lost to a database crash costs nothing (the row is simply due again), so it
            // does not wait for the disk.
            try connection.transaction { connection in
                try connection.run("SET LOCAL synchronous_commit TO off")
                return try connection.prepared(Self.claim, [max(1, limit), seconds])
            }
        }
        return try rows.map { row in
            let tenant: String = try row.decode("tenant_id")
            let event = EventEnvelope(id: try row.decode("event_id"), type: try row.decode("type"), timestamp: try row.decode("occurred_at"),
                                      tenantID: tenant, conversationID: try row.decode("conversation_id"),
                                      experiment: try row.decode("experiment"), data: try row.decode("data"))
            return ClaimedDelivery(event: event, subscriber: Subscriber(tenantID: tenant, pluginID: try row.decode("subscriber")),
                                   attempt: try row.decode("attempts"), lease: try row.decode("lease"))
        }
    }

    /// Records outcomes in one statement. A row whose lease changed meanwhile (it expired and
    /// another worker claimed it) is left alone.
    /// - Returns: how many rows were updated.
    @discardableResult
    public func complete(_ outcomes: [(ClaimedDelivery, DeliveryResult)]) async throws -> Int {
        guard !outcomes.isEmpty else { return 0 }
        let records = JSONValue.array(outcomes.map { claimed, result in
            var fields: [String: JSONValue] = [
                "event_id": .string(claimed.event.id), "subscriber": .string(claimed.subscriber.pluginID), "lease": .string(claimed.lease),
            ]
            switch result {
            case .delivered:
                fields["outcome"] = .string("delivered")
            case .retry(let delay, let error):
                fields["outcome"] = .string("retry")
                fields["delay"] = .number(delay)
                fields["error"] = .string(String(error.prefix(2000)))
            case .dead(let error):
                fields["outcome"] = .string("dead")
                fields["error"] = .string(String(error.prefix(2000)))
            }
            return .object(fields)
        }).jsonText
        let result = try await pool.withConnection { connection in try connection.prepared(Self.complete, [records]) }
        return result.affectedRows
    }

    static let claim = """
        WITH due AS (
            SELECT d.event_id, d.subscriber FROM deliveries d
            WHERE d.status = 'pending' AND d.next_attempt_at <= now()
              AND EXISTS (SELECT 1 FROM plugin_installations p
                          WHERE p.tenant_id = d.tenant_id AND p.plugin_id = d.subscriber AND p.enabled)
              AND (d.conversation_id IS NULL OR NOT EXISTS (
                  SELECT 1 FROM deliveries earlier
                  WHERE earlier.status = 'pending' AND earlier.subscriber = d.subscriber AND earlier.conversation_id = d.conversation_id
                    AND earlier.tenant_id = d.tenant_id AND earlier.event_seq < d.event_seq))
            ORDER BY d.next_attempt_at, d.event_seq
            LIMIT $1
            FOR UPDATE SKIP LOCKED
        ), claimed AS (
            UPDATE deliveries d
            SET attempts = d.attempts + 1, locked_until = now() + make_interval(secs => $2),
                next_attempt_at = now() + make_interval(secs => $2)
            FROM due WHERE d.event_id = due.event_id AND d.subscriber = due.subscriber
            RETURNING d.event_id, d.subscriber, d.tenant_id, d.attempts, d.locked_until
        )
        SELECT c.event_id, c.subscriber, c.tenant_id, c.attempts, c.locked_until::text AS lease, e.type, e.conversation_id,
               e.experiment::text AS experiment, e.data::text AS data, e.occurred_at
        FROM claimed c JOIN events e ON e.id = c.event_id
        ORDER BY e.seq
        """

    static let complete = """
        UPDATE deliveries d SET
            status = CASE o.outcome WHEN 'delivered' THEN 'delivered' WHEN 'dead' THEN 'dead' ELSE 'pending' END,
            delivered_at = CASE WHEN o.outcome = 'delivered' THEN now() ELSE d.delivered_at END,
            next_attempt_at = CASE WHEN o.outcome = 'retry' THEN now() + make_interval(secs => o.delay) ELSE d.next_attempt_at END,
            locked_until = NULL,
            last_error = o.error
        FROM jsonb_to_recordset($1::jsonb) AS o(event_id text, subscriber text, lease timestamptz, outcome text, delay float8, error text)
        WHERE d.event_id = o.event_id AND d.subscriber = o.subscriber AND d.status = 'pending' AND d.locked_until = o.lease
        """
}

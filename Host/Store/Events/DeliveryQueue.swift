import MarketCore

/// The outbox's claim and completion statements, for `DeliveryWorker` and for tests that play
/// a worker which dies holding its claims.
public struct DeliveryQueue: Sendable {
    /// What one claim took: rows to deliver now, and rows dead-lettered instead because their
    /// attempts were used up without an outcome.
    public struct Claim: Sendable {
        /// Held under the lease, to be delivered and completed.
        public let deliveries: [ClaimedDelivery]
        /// Dead already: each had made its last attempt, and that attempt wrote no outcome
        /// (the host stopped or crashed while delivering it).
        public let exhausted: [ClaimedDelivery]
    }

    let pool: DatabasePool
    /// A row claimed this many times is dead at its next claim, whether or not its attempts
    /// wrote outcomes.
    public let maximumAttempts: Int

    public init(pool: DatabasePool, maximumAttempts: Int = RetrySchedule.standard.maximumAttempts) {
        self.pool = pool
        self.maximumAttempts = max(1, maximumAttempts)
    }

    /// The error kept on a row dead-lettered at claim.
    public static let exhaustedError = "no attempt left: the last attempt never finished (the host stopped or crashed while delivering it)"

    /// Claims up to `limit` due delivery rows for `lease`: pending rows of enabled installations
    /// whose next attempt is due (a disabled plugin's rows wait for it), skipping rows other
    /// workers hold, and, in a conversation, every row but the subscriber's earliest pending one.
    /// Claiming counts an attempt and moves the row's next attempt to the lease's end, so the
    /// row comes back by itself if the worker dies.
    ///
    /// Attempts are counted here because a host that crashes mid-delivery (a plugin that
    /// segfaults on one event) never writes an outcome; a due row whose attempts are used up is
    /// therefore marked dead by the claim itself instead of being handed out again, or a poison
    /// event would crash every host that claims it, forever.
    public func claim(limit: Int, lease: Duration) async throws -> Claim {
        let seconds = lease.inSeconds
        let rows = try await pool.withConnection { connection in
            // A claim lost to a database crash costs nothing (the row is simply due again), so it
            // does not wait for the disk.
            try connection.transaction { connection in
                try connection.run("SET LOCAL synchronous_commit TO off")
                return try connection.prepared(Self.claim, [max(1, limit), seconds, maximumAttempts, Self.exhaustedError])
            }
        }
        var deliveries: [ClaimedDelivery] = []
        var exhausted: [ClaimedDelivery] = []
        for row in rows {
            let tenant: String = try row.decode("tenant_id")
            let event = EventEnvelope(id: try row.decode("event_id"), type: try row.decode("type"), timestamp: try row.decode("occurred_at"),
                                      tenantID: tenant, conversationID: try row.decode("conversation_id"),
                                      experiment: try row.decode("experiment"), data: try row.decode("data"))
            let claimed = ClaimedDelivery(event: event, subscriber: Subscriber(tenantID: tenant, pluginID: try row.decode("subscriber")),
                                          attempt: try row.decode("attempts"), lease: try row.decode("lease"))
            if try row.decode("exhausted", as: Bool.self) { exhausted.append(claimed) } else { deliveries.append(claimed) }
        }
        return Claim(deliveries: deliveries, exhausted: exhausted)
    }

    /// Records outcomes in one statement. A row whose lease changed meanwhile (it expired and
    /// another worker claimed it) is left alone.
    /// - Returns: how many rows were updated.
    @discardableResult
    public func complete(_ outcomes: [(ClaimedDelivery, DeliveryResult)]) async throws -> Int {
        guard !outcomes.isEmpty else { return 0 }
        let records = JSONValue.array(outcomes.map { claimed, result in
            var fields: [String: JSONValue] = [
                "tenant_id": .string(claimed.subscriber.tenantID), "event_id": .string(claimed.event.id), "subscriber": .string(claimed.subscriber.pluginID), "lease": .string(claimed.lease),
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

    /// $1 limit, $2 lease in seconds, $3 maximum attempts, $4 the error of an exhausted row.
    static let claim = """
        WITH due AS (
            SELECT d.tenant_id, d.event_id, d.subscriber, d.attempts FROM deliveries d
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
        ), exhausted AS (
            UPDATE deliveries d SET status = 'dead', locked_until = NULL, last_error = $4
            FROM due WHERE d.tenant_id = due.tenant_id AND d.event_id = due.event_id AND d.subscriber = due.subscriber
              AND due.attempts >= $3
            RETURNING d.event_id, d.subscriber, d.tenant_id, d.attempts
        ), claimed AS (
            UPDATE deliveries d
            SET attempts = d.attempts + 1, locked_until = now() + make_interval(secs => $2),
                next_attempt_at = now() + make_interval(secs => $2)
            FROM due WHERE d.tenant_id = due.tenant_id AND d.event_id = due.event_id AND d.subscriber = due.subscriber
              AND due.attempts < $3
            RETURNING d.event_id, d.subscriber, d.tenant_id, d.attempts, d.locked_until
        )
        SELECT c.event_id, c.subscriber, c.tenant_id, c.attempts, c.locked_until::text AS lease, false AS exhausted,
               e.type, e.conversation_id, e.experiment::text AS experiment, e.data::text AS data, e.occurred_at, e.seq
        FROM claimed c JOIN events e ON e.tenant_id = c.tenant_id AND e.id = c.event_id
        UNION ALL
        SELECT x.event_id, x.subscriber, x.tenant_id, x.attempts, '' AS lease, true AS exhausted,
               e.type, e.conversation_id, e.experiment::text AS experiment, e.data::text AS data, e.occurred_at, e.seq
        FROM exhausted x JOIN events e ON e.tenant_id = x.tenant_id AND e.id = x.event_id
        ORDER BY seq
        """

    static let complete = """
        UPDATE deliveries d SET
            status = CASE o.outcome WHEN 'delivered' THEN 'delivered' WHEN 'dead' THEN 'dead' ELSE 'pending' END,
            delivered_at = CASE WHEN o.outcome = 'delivered' THEN now() ELSE d.delivered_at END,
            next_attempt_at = CASE WHEN o.outcome = 'retry' THEN now() + make_interval(secs => o.delay) ELSE d.next_attempt_at END,
            locked_until = NULL,
            last_error = o.error
        FROM jsonb_to_recordset($1::jsonb) AS o(tenant_id text, event_id text, subscriber text, lease timestamptz, outcome text, delay float8, error text)
        WHERE d.tenant_id = o.tenant_id AND d.event_id = o.event_id AND d.subscriber = o.subscriber AND d.status = 'pending' AND d.locked_until = o.lease
        """
}

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

    /// How target rows are retried, paused and disabled.
    public let policy: TargetPolicy

    public init(pool: DatabasePool, maximumAttempts: Int = RetrySchedule.standard.maximumAttempts, policy: TargetPolicy = TargetPolicy()) {
        self.pool = pool
        self.maximumAttempts = max(1, maximumAttempts)
        self.policy = policy
    }

    /// The claimed row's target, read by the claim; nil for a row of the plugin itself.
    private static func target(of row: Row) throws -> ClaimedTarget? {
        let id: String = try row.decode("target")
        guard !id.isEmpty, let sealed: [UInt8] = try row.decode("secrets_sealed"), let keyID: String = try row.decode("secrets_key_id") else { return nil }
        return ClaimedTarget(id: id, settingsText: try row.decode("target_settings"), sealedSecrets: SecretBox.Sealed(combined: sealed, keyID: keyID),
                             wait: try row.decode("wait"))
    }

    /// The worker's statements touch a batch of rows, each reached by its key, and the few
    /// targets and installations those rows name. Planning the claim cost 2–3 ms, more than
    /// running it, so they keep one plan per connection; and so that plan cannot be one made
    /// from stale statistics (an outbox that was empty when last analysed, hashed whole once it
    /// held 20,000 rows), scans and joins are limited to what a batch reached by key needs:
    /// index scans and nested loops. Set for the transaction only; whatever else that
    /// transaction runs comes after `plannerDefaults`.
    static let keyedPlans = """
        SET LOCAL plan_cache_mode TO force_generic_plan; SET LOCAL enable_seqscan TO off; SET LOCAL enable_bitmapscan TO off; \
        SET LOCAL enable_hashjoin TO off; SET LOCAL enable_mergejoin TO off
        """
    static let plannerDefaults = """
        SET LOCAL plan_cache_mode TO DEFAULT; SET LOCAL enable_seqscan TO DEFAULT; SET LOCAL enable_bitmapscan TO DEFAULT; \
        SET LOCAL enable_hashjoin TO DEFAULT; SET LOCAL enable_mergejoin TO DEFAULT
        """

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
                try connection.run("SET LOCAL synchronous_commit TO off; " + Self.keyedPlans)
                return try connection.prepared(Self.claim(limit: max(1, limit)), [max(1, limit), seconds, maximumAttempts, Self.exhaustedError,
                                                            policy.retries.maximumAttempts, policy.breakerFailures, policy.rateWindow.inSeconds])
            }
        }
        var deliveries: [ClaimedDelivery] = []
        var exhausted: [ClaimedDelivery] = []
        for row in rows {
            let tenant: String = try row.decode("tenant_id")
            let event = EventEnvelope(id: try row.decode("event_id"), type: try row.decode("type"), timestamp: try row.decode("occurred_at"),
                                      tenantID: tenant, conversationID: try row.decode("conversation_id"),
                                      experiment: try row.decode("experiment"), data: try row.decode("data"))
            let targetID: String = try row.decode("target")
            let claimed = ClaimedDelivery(event: event, subscriber: Subscriber(tenantID: tenant, pluginID: try row.decode("subscriber")),
                                          targetID: targetID.isEmpty ? nil : targetID, target: try Self.target(of: row), attempt: try row.decode("attempts"), lease: try row.decode("lease"))
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
            case .held(let reason):
                fields["outcome"] = .string("held")
                fields["delay"] = .number(ConnectionHold.backstop)
                fields["error"] = .string(ConnectionHold.prefix + String(reason.prefix(1900)))
            }
            return .object(fields)
        }).jsonText
        let result = try await pool.withConnection { connection in try connection.prepared(Self.complete, [records]) }
        return result.affectedRows
    }

    /// $1 limit, $2 lease in seconds, $3 maximum attempts, $4 the error of an exhausted row,
    /// $5 a target row's maximum attempts, $6 the failures in a row that open a target's
    /// breaker, $7 the rate-limit window in seconds.
    ///
    /// Target rows (market.targets/1) are due only while their target is enabled and not paused.
    /// Their targets are locked in id order (claims never deadlock) and read as they are now, so
    /// replicas claiming together share one target's allowance: a target whose breaker is open
    /// gets one probe row, and holds its other rows (paused for the lease) until the probe's
    /// outcome; a rate-limited target gets the slots from `next_slot` up to the window's end,
    /// one per 1/rate seconds, and each row says how long to wait for its slot.
    ///
    /// The limit is written into the text, not passed as $1: a prepared statement's generic
    /// plan guesses a parameter's limit at a tenth of the table, and for that many rows it
    /// updated the claimed rows through a hash of the whole outbox (20 ms at 20,000 rows, and
    /// growing with every row delivered and kept) instead of one index lookup per row.
    static func claim(limit: Int) -> String {
        """
        WITH due AS (
            SELECT d.tenant_id, d.event_id, d.subscriber, d.target, d.attempts, d.next_attempt_at, d.event_seq FROM deliveries d
            WHERE d.status = 'pending' AND d.next_attempt_at <= now()
              -- A subquery per row, not a join: as a join, a plan made while the outbox looked
              -- small read every row of the installation and sorted them all.
              AND coalesce((SELECT p.enabled FROM plugin_installations p
                            WHERE p.tenant_id = d.tenant_id AND p.plugin_id = d.subscriber), false)
              AND (d.target = '' OR EXISTS (SELECT 1 FROM event_targets t
                          WHERE t.id = d.target AND t.enabled AND (t.paused_until IS NULL OR t.paused_until <= now())))
              AND (d.conversation_id IS NULL OR NOT EXISTS (
                  SELECT 1 FROM deliveries earlier
                  WHERE earlier.status = 'pending' AND earlier.subscriber = d.subscriber AND earlier.conversation_id = d.conversation_id
                    AND earlier.tenant_id = d.tenant_id AND earlier.target = d.target AND earlier.event_seq < d.event_seq))
            ORDER BY d.next_attempt_at, d.event_seq
            LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
        ), judged AS (
            SELECT due.*, due.attempts >= CASE WHEN due.target = '' THEN $3::int ELSE $5::int END AS spent FROM due
        ), gate AS (
            SELECT t.id, t.enabled, t.paused_until, t.rate_per_second, t.next_slot, t.consecutive_failures,
                   t.settings, t.secrets_sealed, t.secrets_key_id
            FROM event_targets t WHERE t.id IN (SELECT target FROM judged WHERE target <> '' AND NOT spent)
            ORDER BY t.id
            FOR UPDATE
        ), allowance AS (
            SELECT g.*, greatest(g.next_slot, now()) AS slot_start,
                   g.consecutive_failures >= $6::int AS probing,
                   CASE WHEN NOT g.enabled OR coalesce(g.paused_until > now(), false) THEN 0
                        WHEN g.consecutive_failures >= $6::int THEN 1
                        WHEN g.rate_per_second IS NULL THEN $1::int
                        ELSE greatest(0, ceil(extract(epoch FROM now() + make_interval(secs => $7::float8) - greatest(g.next_slot, now()))
                                              * g.rate_per_second))::int
                   END AS allowed
            FROM gate g
        ), ranked AS (
            SELECT j.*, row_number() OVER (PARTITION BY j.target ORDER BY j.next_attempt_at, j.event_seq) AS position
            FROM judged j WHERE j.target <> '' AND NOT j.spent
        ), chosen AS (
            SELECT j.tenant_id, j.event_id, j.subscriber, j.target, j.spent, 0::float8 AS wait FROM judged j WHERE j.target = '' OR j.spent
            UNION ALL
            SELECT r.tenant_id, r.event_id, r.subscriber, r.target, false,
                   CASE WHEN a.rate_per_second IS NULL THEN 0
                        ELSE greatest(0, extract(epoch FROM a.slot_start - now()) + (r.position - 1)::float8 / a.rate_per_second) END
            FROM ranked r JOIN allowance a ON a.id = r.target WHERE r.position <= a.allowed
        ), held AS (
            UPDATE event_targets t
            SET next_slot = CASE WHEN a.rate_per_second IS NULL THEN t.next_slot
                                 ELSE a.slot_start + make_interval(secs => c.taken::float8 / a.rate_per_second) END,
                paused_until = CASE WHEN a.probing THEN now() + make_interval(secs => $2) ELSE t.paused_until END
            FROM allowance a JOIN (SELECT target, count(*) AS taken FROM chosen WHERE target <> '' AND NOT spent GROUP BY target) c ON c.target = a.id
            WHERE t.id = a.id
            RETURNING t.id
        ), exhausted AS (
            UPDATE deliveries d SET status = 'dead', locked_until = NULL, last_error = $4
            FROM chosen c WHERE d.tenant_id = c.tenant_id AND d.event_id = c.event_id AND d.subscriber = c.subscriber AND d.target = c.target
              AND c.spent
            RETURNING d.event_id, d.subscriber, d.target, d.tenant_id, d.attempts
        ), claimed AS (
            UPDATE deliveries d
            SET attempts = d.attempts + 1, locked_until = now() + make_interval(secs => $2 + c.wait),
                next_attempt_at = now() + make_interval(secs => $2 + c.wait)
            FROM chosen c WHERE d.tenant_id = c.tenant_id AND d.event_id = c.event_id AND d.subscriber = c.subscriber AND d.target = c.target
              AND NOT c.spent
            RETURNING d.event_id, d.subscriber, d.target, d.tenant_id, d.attempts, d.locked_until, c.wait
        )
        SELECT c.event_id, c.subscriber, c.target, c.tenant_id, c.attempts, c.locked_until::text AS lease, false AS exhausted, c.wait,
               a.settings::text AS target_settings, a.secrets_sealed, a.secrets_key_id,
               e.type, e.conversation_id, e.experiment::text AS experiment, e.data::text AS data, e.occurred_at, e.seq
        FROM claimed c JOIN events e ON e.tenant_id = c.tenant_id AND e.id = c.event_id
        LEFT JOIN allowance a ON a.id = c.target
        UNION ALL
        SELECT x.event_id, x.subscriber, x.target, x.tenant_id, x.attempts, '' AS lease, true AS exhausted, 0, NULL, NULL, NULL,
               e.type, e.conversation_id, e.experiment::text AS experiment, e.data::text AS data, e.occurred_at, e.seq
        FROM exhausted x JOIN events e ON e.tenant_id = x.tenant_id AND e.id = x.event_id
        ORDER BY seq
        """
    }

    static let complete = """
        UPDATE deliveries d SET
            status = CASE o.outcome WHEN 'delivered' THEN 'delivered' WHEN 'dead' THEN 'dead' ELSE 'pending' END,
            delivered_at = CASE WHEN o.outcome = 'delivered' THEN now() ELSE d.delivered_at END,
            next_attempt_at = CASE WHEN o.outcome IN ('retry', 'held') THEN now() + make_interval(secs => o.delay) ELSE d.next_attempt_at END,
            -- A held row was not attempted: its claim gives the attempt back.
            attempts = CASE WHEN o.outcome = 'held' THEN greatest(d.attempts - 1, 0) ELSE d.attempts END,
            locked_until = NULL,
            last_error = o.error
        FROM jsonb_to_recordset($1::jsonb) AS o(tenant_id text, event_id text, subscriber text, lease timestamptz, outcome text, delay float8, error text)
        WHERE d.tenant_id = o.tenant_id AND d.event_id = o.event_id AND d.subscriber = o.subscriber AND d.target = ''
          AND d.status = 'pending' AND d.locked_until = o.lease
        """
}

import Foundation
import Logging
import MarketCore

/// What a worker decided for one attempt at a target row, from the plugin's outcome and the
/// target policy (`DeliveryWorker.judge`).
public struct TargetResult: Sendable, Equatable {
    /// The row's fate: delivered, due again after a delay, or dead.
    public let row: DeliveryResult
    /// What the plugin reported, for the attempt log.
    public let outcome: TargetOutcome
    /// The attempt is given back: the row waits for a pause or for the target to be enabled
    /// again, which must not use up its attempts.
    public let refund: Bool
    /// The attempt counts against the target (its breaker and its time failing).
    public let failure: Bool
    /// Seconds to pause the whole target (the destination's Retry-After).
    public let pause: Double?
    /// Disable the target with this reason.
    public let disable: String?

    public init(row: DeliveryResult, outcome: TargetOutcome, refund: Bool = false, failure: Bool = false, pause: Double? = nil, disable: String? = nil) {
        self.row = row
        self.outcome = outcome
        self.refund = refund
        self.failure = failure
        self.pause = pause
        self.disable = disable
    }
}

extension DeliveryQueue {
    /// What recording target outcomes changed, besides the rows.
    public struct TargetCompletion: Sendable {
        /// Rows updated (a row whose lease changed meanwhile is left alone).
        public let updated: Int
        /// Rows that died now.
        public let dead: Int
        /// Targets disabled now, by id.
        public let disabled: [String]
    }

    /// Records target outcomes in one transaction: the rows, an attempt log entry each, the
    /// targets' breaker, pause and disabled state, and a `delivery.dead` event for each row that
    /// died and a `target.disabled` event for each target disabled now.
    @discardableResult
    public func completeTargets(_ outcomes: [(ClaimedDelivery, TargetResult)]) async throws -> TargetCompletion {
        guard !outcomes.isEmpty else { return TargetCompletion(updated: 0, dead: 0, disabled: []) }
        let records = JSONValue.array(outcomes.map { claimed, result in Self.record(claimed, result) }).jsonText
        let policy = policy
        let (completion, published) = try await pool.withConnection { connection in
            try connection.transaction { connection -> (TargetCompletion, EventBus.PublishResult?) in
                try connection.run(Self.keyedPlans)
                guard let row = try connection.prepared(Self.completeTargets, [
                    records, policy.breakerFailures, policy.breakerBackoff.inSeconds, policy.breakerBackoffLimit.inSeconds, policy.disableAfter.inSeconds,
                ]).first else { return (TargetCompletion(updated: 0, dead: 0, disabled: []), nil) }
                let dead = try JSONValue(parsing: try row.decode("dead", as: String.self))
                let disabled = try JSONValue(parsing: try row.decode("disabled", as: String.self))
                let events = Self.deadEvents(dead) + Self.disabledEvents(disabled)
                if !events.isEmpty { try connection.run(Self.plannerDefaults) }
                let published = events.isEmpty ? nil : try PublishBatch(events).writeInTransaction(on: connection)
                let ids = disabled.arrayValue.compactMap { $0["id"]?.stringValue }
                return (TargetCompletion(updated: try row.decode("updated"), dead: dead.arrayValue.count, disabled: ids), published)
            }
        }
        if let published { try await pool.withConnection { connection in try PublishBatch.notify(after: published, on: connection) } }
        return completion
    }

    /// Publishes `delivery.dead` for target rows the claim dead-lettered (their last attempt
    /// never finished).
    func publishExhausted(_ rows: [ClaimedDelivery], logger: Logger) async throws {
        let dead = JSONValue.array(rows.compactMap { claimed in
            claimed.targetID.map { target in
                .object(["tenant_id": .string(claimed.subscriber.tenantID), "plugin_id": .string(claimed.subscriber.pluginID), "target": .string(target),
                         "event_id": .string(claimed.event.id), "type": .string(claimed.event.type), "attempts": .number(Double(claimed.attempt)),
                         "error": .string(Self.exhaustedError)])
            }
        })
        let events = Self.deadEvents(dead)
        guard !events.isEmpty else { return }
        try await EventBus(pool: pool, logger: logger).publish(events)
    }

    private static func record(_ claimed: ClaimedDelivery, _ result: TargetResult) -> JSONValue {
        var fields: [String: JSONValue] = [
            "tenant_id": .string(claimed.subscriber.tenantID), "event_id": .string(claimed.event.id), "subscriber": .string(claimed.subscriber.pluginID),
            "target": .string(claimed.targetID ?? ""), "lease": .string(claimed.lease), "attempt": .number(Double(claimed.attempt)),
            "verdict": .string(result.outcome.verdict.rawValue), "refund": .bool(result.refund), "failure": .bool(result.failure),
        ]
        switch result.row {
        case .delivered: fields["outcome"] = .string("delivered")
        case .retry(let delay, _): fields["outcome"] = .string("retry"); fields["delay"] = .number(delay)
        case .dead: fields["outcome"] = .string("dead")
        // Target rows are never held (their plugin is the webhooks plugin, which has no connection).
        case .held: fields["outcome"] = .string("retry"); fields["delay"] = .number(ConnectionHold.backstop)
        }
        if case .retry(_, let error) = result.row { fields["error"] = .string(String(error.prefix(2000))) }
        if case .dead(let error) = result.row { fields["error"] = .string(String(error.prefix(2000))) }
        if let pause = result.pause { fields["pause"] = .number(pause) }
        if let disable = result.disable { fields["disable"] = .string(String(disable.prefix(500))) }
        if let status = result.outcome.status { fields["status"] = .number(Double(status)) }
        if let duration = result.outcome.durationMilliseconds { fields["duration_ms"] = .number(Double(duration)) }
        if let response = result.outcome.response { fields["response"] = .string(response) }
        if let error = result.outcome.error { fields["attempt_error"] = .string(String(error.prefix(2000))) }
        return .object(fields)
    }

    /// `delivery.dead`, one per row, naming the target and the event. A dead row of a
    /// `delivery.*` event publishes nothing, so a target subscribed to `*` that is down cannot
    /// make an endless chain of them.
    static func deadEvents(_ dead: JSONValue) -> [EventEnvelope] {
        dead.arrayValue.compactMap { row in
            guard let tenant = row["tenant_id"]?.stringValue, let type = row["type"]?.stringValue, !type.hasPrefix("delivery.") else { return nil }
            let data = JSONValue.object(["target_id": row["target"] ?? .null, "plugin": row["plugin_id"] ?? .null, "event_id": row["event_id"] ?? .null,
                                         "event_type": .string(type), "attempts": row["attempts"] ?? .null, "error": row["error"] ?? .null])
            return EventEnvelope(type: "delivery.dead", tenantID: tenant, data: data.jsonText)
        }
    }

    /// `target.disabled`, one per target disabled now, with the reason.
    static func disabledEvents(_ disabled: JSONValue) -> [EventEnvelope] {
        disabled.arrayValue.compactMap { row in
            guard let tenant = row["tenant_id"]?.stringValue else { return nil }
            let data = JSONValue.object(["target_id": row["id"] ?? .null, "plugin": row["plugin_id"] ?? .null, "reason": row["reason"] ?? .null])
            return EventEnvelope(type: "target.disabled", tenantID: tenant, data: data.jsonText)
        }
    }

    /// $1 the outcomes (`record`), $2 failures in a row that open the breaker, $3 its first
    /// pause in seconds, $4 its longest pause, $5 seconds of failing without a success after
    /// which a target is disabled.
    static let completeTargets = """
        WITH o AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS o(tenant_id text, event_id text, subscriber text, target text, lease timestamptz,
                attempt int, verdict text, outcome text, delay float8, refund bool, failure bool, pause float8, disable text,
                error text, status int, duration_ms int, response text, attempt_error text)
        ), updated AS (
            UPDATE deliveries d SET
                status = CASE o.outcome WHEN 'delivered' THEN 'delivered' WHEN 'dead' THEN 'dead' ELSE 'pending' END,
                delivered_at = CASE WHEN o.outcome = 'delivered' THEN now() ELSE d.delivered_at END,
                next_attempt_at = CASE WHEN o.outcome = 'retry' THEN now() + make_interval(secs => o.delay) ELSE d.next_attempt_at END,
                attempts = CASE WHEN o.refund THEN greatest(d.attempts - 1, 0) ELSE d.attempts END,
                locked_until = NULL,
                last_error = o.error
            FROM o
            WHERE d.tenant_id = o.tenant_id AND d.event_id = o.event_id AND d.subscriber = o.subscriber AND d.target = o.target
              AND d.status = 'pending' AND d.locked_until = o.lease
            RETURNING d.tenant_id, d.event_id, d.subscriber, d.target, d.status, d.attempts, o.error
        ), logged AS (
            INSERT INTO delivery_attempts (tenant_id, event_id, target, attempt, outcome, status, duration_ms, response, error)
            SELECT tenant_id, event_id, target, attempt, verdict, status, duration_ms, response, coalesce(attempt_error, error) FROM o
        ), per_target AS (
            SELECT target, bool_or(verdict = 'delivered') AS ok, count(*) FILTER (WHERE failure) AS failures,
                   max(pause) AS pause, min(disable) AS disable
            FROM o GROUP BY target
        ), old AS (
            SELECT t.id, t.enabled FROM event_targets t WHERE t.id IN (SELECT target FROM per_target) ORDER BY t.id FOR UPDATE
        ), next AS (
            SELECT t.id, p.ok, p.pause, p.disable,
                   CASE WHEN p.ok THEN 0 ELSE t.consecutive_failures + p.failures END AS failures,
                   CASE WHEN p.ok THEN NULL WHEN p.failures > 0 THEN coalesce(t.failing_since, now()) ELSE t.failing_since END AS failing_since,
                   NOT p.ok AND p.failures > 0 AND t.consecutive_failures + p.failures >= $2 AS trips
            FROM event_targets t JOIN per_target p ON p.target = t.id JOIN old ON old.id = t.id
        ), changed AS (
            UPDATE event_targets t SET
                consecutive_failures = n.failures,
                failing_since = n.failing_since,
                breaker_trips = CASE WHEN n.ok THEN 0 WHEN n.trips THEN t.breaker_trips + 1 ELSE t.breaker_trips END,
                paused_until = CASE
                    WHEN n.pause IS NOT NULL THEN now() + make_interval(secs => n.pause)
                    WHEN n.trips THEN now() + make_interval(secs => least($4::float8, $3::float8 * power(2, least(t.breaker_trips, 30))))
                    WHEN n.ok THEN NULL
                    ELSE t.paused_until END,
                enabled = t.enabled AND n.disable IS NULL AND NOT coalesce(n.failing_since <= now() - make_interval(secs => $5), false),
                disabled_reason = CASE
                    WHEN NOT t.enabled THEN t.disabled_reason
                    WHEN n.disable IS NOT NULL THEN n.disable
                    WHEN n.failing_since <= now() - make_interval(secs => $5)
                        THEN 'failing without a success since ' || to_char(n.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                    ELSE t.disabled_reason END,
                updated_at = CASE WHEN t.enabled AND (n.disable IS NOT NULL OR n.failing_since <= now() - make_interval(secs => $5)) THEN now() ELSE t.updated_at END
            FROM next n JOIN old ON old.id = n.id
            WHERE t.id = n.id
            RETURNING t.id, t.tenant_id, t.plugin_id, old.enabled AS was_enabled, t.enabled, t.disabled_reason
        )
        SELECT (SELECT count(*) FROM updated) AS updated,
               (SELECT coalesce(jsonb_agg(jsonb_build_object('tenant_id', u.tenant_id, 'plugin_id', u.subscriber, 'target', u.target,
                                                             'event_id', u.event_id, 'type', e.type, 'attempts', u.attempts, 'error', u.error)), '[]')::text
                FROM updated u JOIN events e ON e.tenant_id = u.tenant_id AND e.id = u.event_id WHERE u.status = 'dead') AS dead,
               (SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'tenant_id', c.tenant_id, 'plugin_id', c.plugin_id, 'reason', c.disabled_reason)), '[]')::text
                FROM changed c WHERE c.was_enabled AND NOT c.enabled) AS disabled
        """
}

extension JSONValue {
    fileprivate var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    fileprivate var arrayValue: [JSONValue] {
        if case .array(let values) = self { return values }
        return []
    }
}

import Foundation
import Logging
import MarketCore

/// The stored delivery targets (market.targets/1) of every tenant: one row each in
/// `event_targets`, its secrets sealed with the tenants' `SecretBox`. The plugin checks and
/// completes a target before it is stored (`PluginHost.prepareTarget`); this store keeps what
/// the plugin answered. Every method takes the principal asking and is scoped by tenant.
public final class EventTargets: Sendable {
    let pool: DatabasePool
    let box: SecretBox
    let logger: Logger

    public init(pool: DatabasePool, box: SecretBox, logger: Logger) {
        self.pool = pool
        self.box = box
        self.logger = logger
    }

    /// What a new target is, besides what the plugin prepares.
    public struct Draft: Sendable {
        public var tenantID: String
        public var pluginID: String
        public var description: String
        public var patterns: [String]
        public var ratePerSecond: Int?
        public var ordered: Bool

        public init(tenantID: String, pluginID: String, description: String = "", patterns: [String] = ["*"], ratePerSecond: Int? = nil, ordered: Bool = false) {
            self.tenantID = tenantID
            self.pluginID = pluginID
            self.description = description
            self.patterns = patterns
            self.ratePerSecond = ratePerSecond
            self.ordered = ordered
        }
    }

    /// A change to a target; nil fields stay as they are.
    public struct Change: Sendable {
        public var description: String?
        public var patterns: [String]?
        /// `.some(nil)` removes the limit.
        public var ratePerSecond: Int??
        public var ordered: Bool?
        /// Enabling again clears the reason, the breaker and any pause; its waiting rows are due at once.
        public var enabled: Bool?

        public init(description: String? = nil, patterns: [String]? = nil, ratePerSecond: Int?? = nil, ordered: Bool? = nil, enabled: Bool? = nil) {
            self.description = description
            self.patterns = patterns
            self.ratePerSecond = ratePerSecond
            self.ordered = ordered
            self.enabled = enabled
        }
    }

    /// Stores a new target with the settings and secrets its plugin prepared.
    /// - Throws: `ACCESS_DENIED`; `TARGET_INVALID` for bad patterns, rate or description, or a
    ///   plugin the tenant has not installed.
    public func create(_ draft: Draft, settings: JSONValue, secrets: JSONValue, by principal: Principal) async throws -> EventTarget {
        try principal.requireAccess(to: draft.tenantID)
        try Self.check(description: draft.description, patterns: draft.patterns, rate: draft.ratePerSecond)
        let id = "tgt_" + hexDigits((0..<12).map { _ in UInt8.random(in: 0...255) })
        let sealed = try box.seal(secrets.jsonText, for: .target(tenant: draft.tenantID, id: id))
        do {
            return try await pool.transaction { connection in
                let row = try connection.prepared("""
                    INSERT INTO event_targets (id, tenant_id, plugin_id, description, patterns, rate_per_second, ordered, settings, secrets_sealed, secrets_key_id)
                    VALUES ($1, $2, $3, $4, ARRAY(SELECT jsonb_array_elements_text($5::jsonb)), $6, $7, $8, $9, $10)
                    RETURNING \(Self.columns)
                    """, [id, draft.tenantID, draft.pluginID, draft.description, Self.patternArray(draft.patterns), draft.ratePerSecond, draft.ordered,
                          settings, sealed.combined, sealed.keyID])
                try AuditWriter.record(connection, tenant: draft.tenantID, by: principal, action: "target.create", target: "target:\(id)",
                                       details: ["plugin": .string(draft.pluginID)])
                return try Self.target(try Self.first(row, id))
            }
        } catch let error as MarketError where error.sqlState == "23503" {
            throw MarketError(.targetInvalid, "\(draft.pluginID) is not installed for tenant \(draft.tenantID), so it has no targets",
                              fix: "enable it first: market enable \(draft.pluginID) --tenant \(draft.tenantID)", underlying: error)
        }
    }

    /// The tenant's targets, of one plugin or all, oldest first.
    public func targets(tenant: String, plugin: String? = nil, by principal: Principal) async throws -> [EventTarget] {
        try principal.requireAccess(to: tenant)
        return try await pool.query("SELECT \(Self.columns) FROM event_targets WHERE tenant_id = $1 AND ($2::text IS NULL OR plugin_id = $2) ORDER BY created_at, id",
                                    [tenant, plugin]).map(Self.target)
    }

    /// One target of the tenant.
    /// - Throws: `TARGET_NOT_FOUND` (also for another tenant's).
    public func target(_ id: String, tenant: String, by principal: Principal) async throws -> EventTarget {
        try await stored(id, tenant: tenant, by: principal).target
    }

    /// One target and its opened secrets: what the plugin's `prepare` gets as "current".
    public func stored(_ id: String, tenant: String, by principal: Principal) async throws -> (target: EventTarget, secrets: JSONValue) {
        try principal.requireAccess(to: tenant)
        let row = try await pool.query("SELECT \(Self.columns), secrets_sealed, secrets_key_id FROM event_targets WHERE id = $1 AND tenant_id = $2", [id, tenant])
        let found = try Self.first(row, id)
        let sealed = SecretBox.Sealed(combined: try found.decode("secrets_sealed"), keyID: try found.decode("secrets_key_id"))
        return (try Self.target(found), try Self.openSecrets(sealed, box: box, tenant: tenant, target: id))
    }

    /// Changes a target; `settings` and `secrets`, when given, replace the stored ones (what
    /// the plugin's `prepare` answered for an update or a rotation).
    /// - Throws: `TARGET_NOT_FOUND`, `TARGET_INVALID`.
    @discardableResult
    public func update(_ id: String, tenant: String, change: Change, settings: JSONValue? = nil, secrets: JSONValue? = nil,
                       action: String = "target.update", by principal: Principal) async throws -> EventTarget {
        try principal.requireAccess(to: tenant)
        try Self.check(description: change.description, patterns: change.patterns, rate: change.ratePerSecond ?? nil)
        let sealed = try secrets.map { try box.seal($0.jsonText, for: .target(tenant: tenant, id: id)) }
        let rate: Int? = change.ratePerSecond ?? nil
        let target = try await pool.transaction { connection in
            let row = try connection.prepared("""
                UPDATE event_targets SET
                    description = coalesce($3, description),
                    patterns = CASE WHEN $4::jsonb IS NULL THEN patterns ELSE ARRAY(SELECT jsonb_array_elements_text($4::jsonb)) END,
                    rate_per_second = CASE WHEN $5 THEN $6 ELSE rate_per_second END,
                    ordered = coalesce($7, ordered),
                    settings = coalesce($8, settings),
                    secrets_sealed = coalesce($9, secrets_sealed), secrets_key_id = coalesce($10, secrets_key_id),
                    enabled = coalesce($11, enabled),
                    disabled_reason = CASE WHEN $11 IS NULL THEN disabled_reason WHEN $11 THEN NULL ELSE 'disabled by ' || $12 END,
                    consecutive_failures = CASE WHEN $11 AND NOT enabled THEN 0 ELSE consecutive_failures END,
                    failing_since = CASE WHEN $11 AND NOT enabled THEN NULL ELSE failing_since END,
                    paused_until = CASE WHEN $11 AND NOT enabled THEN NULL ELSE paused_until END,
                    breaker_trips = CASE WHEN $11 AND NOT enabled THEN 0 ELSE breaker_trips END,
                    updated_at = now()
                WHERE id = $1 AND tenant_id = $2
                RETURNING \(Self.columns)
                """, [id, tenant, change.description, change.patterns.map(Self.patternArray), change.ratePerSecond != nil, rate, change.ordered,
                      settings, sealed?.combined, sealed?.keyID, change.enabled, principal.actor])
            let target = try Self.target(try Self.first(row, id))
            try AuditWriter.record(connection, tenant: tenant, by: principal, action: action, target: "target:\(id)")
            if change.enabled == true { try connection.notify(channel: EventBus.deliveriesChannel) }
            return target
        }
        return target
    }

    /// Removes a target with its rows, pending ones included, and their attempt log.
    /// - Throws: `TARGET_NOT_FOUND`.
    public func remove(_ id: String, tenant: String, by principal: Principal) async throws {
        try principal.requireAccess(to: tenant)
        try await pool.transaction { connection in
            let removed = try connection.prepared("DELETE FROM event_targets WHERE id = $1 AND tenant_id = $2 RETURNING id", [id, tenant])
            _ = try Self.first(removed, id)
            try AuditWriter.record(connection, tenant: tenant, by: principal, action: "target.remove", target: "target:\(id)")
        }
    }

    /// Opens a claimed row's target secrets.
    /// - Throws: `SECRET_UNREADABLE`.
    public static func openSecrets(_ sealed: SecretBox.Sealed, box: SecretBox, tenant: String, target: String) throws -> JSONValue {
        try JSONValue(parsing: box.open(sealed, for: .target(tenant: tenant, id: target)))
    }

    static let columns = """
        id, tenant_id, plugin_id, description, array_to_json(patterns)::text AS patterns, enabled, rate_per_second, ordered, settings::text AS settings,
        disabled_reason, consecutive_failures, failing_since, paused_until, created_at, updated_at
        """

    static func target(_ row: Row) throws -> EventTarget {
        let patterns = try JSONDecoder().decode([String].self, from: Data(try row.decode("patterns", as: String.self).utf8))
        return EventTarget(id: try row.decode("id"), tenantID: try row.decode("tenant_id"), pluginID: try row.decode("plugin_id"),
                           description: try row.decode("description"), patterns: patterns, enabled: try row.decode("enabled"),
                           ratePerSecond: try row.decode("rate_per_second"), ordered: try row.decode("ordered"),
                           settings: try JSONValue(parsing: try row.decode("settings", as: String.self)), disabledReason: try row.decode("disabled_reason"),
                           consecutiveFailures: try row.decode("consecutive_failures"), failingSince: try row.decode("failing_since"),
                           pausedUntil: try row.decode("paused_until"), createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }

    static func first(_ rows: QueryResult, _ id: String) throws -> Row {
        guard let row = rows.first else { throw notFound(id) }
        return row
    }

    static func notFound(_ id: String) -> MarketError {
        MarketError(.targetNotFound, "there is no target \(id.prefix(64)) of this tenant", fix: "list the tenant's targets and copy an id")
    }

    static func patternArray(_ patterns: [String]) -> JSONValue { .array(patterns.map(JSONValue.string)) }

    /// - Throws: `TARGET_INVALID` for a description over 500 characters, 0 or over 100 patterns or a bad
    ///   one, or a rate outside 1…100000.
    public static func check(description: String?, patterns: [String]?, rate: Int?) throws {
        if let description, description.count > 500 {
            throw MarketError(.targetInvalid, "the description is longer than 500 characters", fix: "shorten it")
        }
        if let patterns {
            guard (1...100).contains(patterns.count) else {
                throw MarketError(.targetInvalid, "a target needs 1 to 100 event type patterns", fix: "give the types it receives, such as lead.* or * for all")
            }
            for pattern in patterns where EventTypePattern(pattern) == nil {
                throw MarketError(.targetInvalid, "'\(pattern.prefix(130))' is not an event type pattern",
                                  fix: "use an exact type (lead.created), a prefix (lead.*) or * for every event")
            }
        }
        if let rate, !(1...100_000).contains(rate) {
            throw MarketError(.targetInvalid, "a rate limit of \(rate) messages a second is out of range", fix: "give 1 to 100000, or no limit")
        }
    }
}

extension SecretBox.Place {
    /// The secrets of a delivery target (a row of `event_targets`); four fields, so never a
    /// tenant secret's or a bot's place.
    public static func target(tenant: String, id: String) -> SecretBox.Place {
        SecretBox.Place(fields: ["event_targets", tenant, id, "secrets"], description: "secrets of target \(id)",
                        fix: "rotate the target's secret, or remove and add it again; check who can write to the database")
    }
}

extension MarketError.Code {
    /// No target with that id for the tenant.
    public static let targetNotFound = Self(rawValue: "TARGET_NOT_FOUND")
    /// A target's patterns, rate or description are bad, or its plugin is not installed for the tenant.
    public static let targetInvalid = Self(rawValue: "TARGET_INVALID")
}

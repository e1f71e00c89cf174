import Foundation
import MarketCore

extension ConnectionStore {
    /// The event a connection that needs a person publishes.
    public static let needsReconnectEvent = "connection.needs_reconnect"

    /// Marks the connection `needs_reconnect` because its service refused it (`error`, the
    /// service's own words without any token), with an audit entry and a
    /// `connection.needs_reconnect` event in the same transaction.
    /// - Parameter version: the `token_version` the caller used; when the connection changed
    ///   since (reconnected, refreshed by another replica) nothing is marked.
    /// - Returns: whether the connection was marked now.
    @discardableResult
    public func markNeedsReconnect(plugin: String, tenant: String, error: String, version: Int64?) async throws -> Bool {
        try await pool.transaction { connection in
            try Self.markNeedsReconnect(connection, plugin: plugin, tenant: tenant, error: error, version: version)
        }
    }

    static func markNeedsReconnect(_ connection: PostgresConnection, plugin: String, tenant: String, error: String, version: Int64?) throws -> Bool {
        let reason = String(error.prefix(500))
        let marked = try connection.prepared("""
            UPDATE connections SET status = 'needs_reconnect', last_error = $3, updated_at = now()
            WHERE tenant_id = $1 AND plugin_id = $2 AND status = 'connected' AND ($4::bigint IS NULL OR token_version = $4)
            RETURNING kind
            """, [tenant, plugin, reason, version])
        guard let kind = try marked.first?.decode("kind", as: String.self) else { return false }
        try AuditWriter.record(connection, tenant: tenant, by: .system, action: "connection.needs_reconnect", target: "plugin:\(plugin)",
                               details: ["kind": .string(kind), "error": .string(reason)])
        let data = JSONValue.object(["plugin": .string(plugin), "kind": .string(kind), "error": .string(reason)]).jsonText
        let written = try PublishBatch([EventEnvelope(type: needsReconnectEvent, tenantID: tenant, data: data)]).writeInTransaction(on: connection)
        // Sent at commit, as NOTIFY is; a rare event, so waiting for the flush costs nothing.
        if written.events > 0 { _ = try connection.prepared("SELECT pg_notify($1, '')", [EventBus.eventsChannel]) }
        if written.deliveries > 0 { _ = try connection.prepared("SELECT pg_notify($1, '')", [EventBus.deliveriesChannel]) }
        return true
    }
}

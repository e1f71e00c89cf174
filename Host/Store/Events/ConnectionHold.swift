import Foundation
import MarketCore

/// Event deliveries wait while their plugin's connection needs a person (docs/connections.md):
/// a plugin whose service refused its credentials would fail every event, use up their
/// attempts and dead-letter them, though nothing is wrong with the events. So the worker does
/// not call it: the rows are `held` (their attempt given back, `last_error` saying why) and are
/// released the moment the tenant connects again.
enum ConnectionHold {
    /// `last_error` of a held row starts with this; the release finds them by it.
    static let prefix = "held: "
    /// A held row is looked at again after this many seconds even if nothing released it.
    static let backstop: Double = 3600

    /// Which of `subscribers` have a connection that needs reconnecting, with the reason.
    static func holds(for subscribers: Set<Subscriber>, on connection: PostgresConnection) throws -> [Subscriber: String] {
        let keys = JSONValue.array(subscribers.map { .object(["tenant_id": .string($0.tenantID), "plugin_id": .string($0.pluginID)]) })
        let rows = try connection.prepared("""
            SELECT c.tenant_id, c.plugin_id, c.last_error FROM connections c
            JOIN jsonb_to_recordset($1::jsonb) AS s(tenant_id text, plugin_id text) ON c.tenant_id = s.tenant_id AND c.plugin_id = s.plugin_id
            WHERE c.status = 'needs_reconnect'
            """, [keys])
        var holds: [Subscriber: String] = [:]
        for row in rows {
            let subscriber = Subscriber(tenantID: try row.decode("tenant_id"), pluginID: try row.decode("plugin_id"))
            let why = try row.decode("last_error", as: String?.self).map { " (\($0))" } ?? ""
            holds[subscriber] = "the connection of \(subscriber.pluginID) for tenant \(subscriber.tenantID) needs reconnecting\(why); "
                + "delivered once it is connected again"
        }
        return holds
    }

    /// Makes the subscriber's held rows due now, in the caller's transaction, and wakes the
    /// workers at commit.
    /// - Returns: how many rows were released.
    @discardableResult
    static func release(_ subscriber: Subscriber, on connection: PostgresConnection) throws -> Int {
        let released = try connection.prepared("""
            UPDATE deliveries SET next_attempt_at = now()
            WHERE tenant_id = $1 AND subscriber = $2 AND target = '' AND status = 'pending' AND starts_with(last_error, $3)
            """, [subscriber.tenantID, subscriber.pluginID, prefix])
        if released.affectedRows > 0 { _ = try connection.prepared("SELECT pg_notify($1, '')", [EventBus.deliveriesChannel]) }
        return released.affectedRows
    }
}

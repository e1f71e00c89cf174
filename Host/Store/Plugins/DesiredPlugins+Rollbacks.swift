import Foundation
import MarketCore

extension DesiredPlugins {
    /// The event type published, to every tenant with an installation of the plugin, when a node
    /// rolls a plugin back on its own.
    public static let rolledBackEvent = "plugin.rolled_back"

    /// Puts `pluginID`'s desired state back to its previous version because node `nodeID` found
    /// `version` unhealthy, if the desired state still wants `version` and has a previous
    /// version; else changes nothing (another node rolled it back first, or an operator changed
    /// it). The change, its `plugin_rollbacks` row, an audit entry (`plugin.rolled_back`, by
    /// `node:<id>`), a `plugin.rolled_back` event per tenant with an installation of the plugin,
    /// and the NOTIFY that wakes every node commit together.
    /// - Returns: the rollback recorded, or nil when nothing changed.
    public func rollBack(_ pluginID: String, from version: String, reason: String, node nodeID: String) async throws -> PluginRollback? {
        let actor = "node:\(nodeID)"
        return try await pool.transaction { connection in
            // The value before becomes `previous`, so an operator can go to it again explicitly.
            guard let row = try connection.prepared("""
                UPDATE desired_plugins SET version = previous->>'version', range = previous->>'range',
                    registry = COALESCE(previous->>'registry', ''), artifacts = COALESCE(previous->'artifacts', '{}'),
                    permissions = COALESCE(previous->>'permissions', ''),
                    previous = jsonb_build_object('version', version, 'range', range, 'registry', registry, 'artifacts', artifacts,
                                                  'permissions', permissions),
                    generation = generation + 1, changed_by = $3, changed_at = now()
                WHERE plugin_id = $1 AND version = $2 AND previous->>'version' IS NOT NULL
                RETURNING generation, version, changed_at
                """, [pluginID, version, actor]).first else { return nil }
            let rollback = PluginRollback(pluginID: pluginID, fromVersion: version, toVersion: try row.decode("version"), reason: reason,
                                          nodeID: nodeID, generation: try row.decode("generation"), rolledBackAt: try row.decode("changed_at"))
            _ = try connection.prepared("""
                INSERT INTO plugin_rollbacks (plugin_id, from_version, to_version, reason, node_id, generation, rolled_back_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """, [pluginID, version, rollback.toVersion, reason, nodeID, rollback.generation, rollback.rolledBackAt])
            let details: [String: JSONValue] = [
                "from": .string(version), "to": .string(rollback.toVersion), "reason": .string(reason), "node": .string(nodeID),
                "generation": .integer(rollback.generation),
            ]
            try AuditWriter.record(connection, tenant: nil, by: .admin(actor: actor), action: Self.rolledBackEvent, target: "plugin:\(pluginID)", details: details)
            let tenants: [String] = try connection.prepared("SELECT tenant_id FROM plugin_installations WHERE plugin_id = $1 ORDER BY tenant_id", [pluginID])
                .map { try $0.decode("tenant_id") }
            let data = JSONValue.object(details.merging(["plugin": .string(pluginID)]) { $1 }).jsonText
            let events = try PublishBatch(tenants.map { EventEnvelope(type: Self.rolledBackEvent, tenantID: $0, data: data) })
            if !events.isEmpty {
                let written = try events.writeInTransaction(on: connection)
                // Sent at commit, as NOTIFY is.
                if written.events > 0 { _ = try connection.prepared("SELECT pg_notify($1, '')", [EventBus.eventsChannel]) }
                if written.deliveries > 0 { _ = try connection.prepared("SELECT pg_notify($1, '')", [EventBus.deliveriesChannel]) }
            }
            _ = try connection.prepared("SELECT pg_notify($1, $2)", [Self.channel, pluginID])
            return rollback
        }
    }

    /// The last automatic rollback of each plugin (of `pluginID` only, when given), by plugin id.
    public func lastRollbacks(of pluginID: String? = nil) async throws -> [String: PluginRollback] {
        let rows = try await pool.query("""
            SELECT DISTINCT ON (plugin_id) plugin_id, from_version, to_version, reason, node_id, generation, rolled_back_at
            FROM plugin_rollbacks WHERE ($1::text IS NULL OR plugin_id = $1) ORDER BY plugin_id, generation DESC
            """, [pluginID])
        return Dictionary(uniqueKeysWithValues: try rows.map { row in
            let rollback = PluginRollback(pluginID: try row.decode("plugin_id"), fromVersion: try row.decode("from_version"),
                                          toVersion: try row.decode("to_version"), reason: try row.decode("reason"), nodeID: try row.decode("node_id"),
                                          generation: try row.decode("generation"), rolledBackAt: try row.decode("rolled_back_at"))
            return (rollback.pluginID, rollback)
        })
    }
}

import Foundation
import Logging
import MarketCore

/// The desired plugin state in PostgreSQL and the nodes' reports of it (docs/decisions.md,
/// "Desired plugin state"). A change commits with its audit entry and a NOTIFY on `channel`,
/// which wakes every node's reconciler.
public struct DesiredPlugins: Sendable {
    /// The NOTIFY channel of changes; the payload is the plugin id.
    public static let channel = "market_plugins"

    let pool: DatabasePool

    public init(pool: DatabasePool) {
        self.pool = pool
    }

    /// The desired state of `pluginID`; nil when none was ever recorded.
    public func desired(_ pluginID: String) async throws -> DesiredPlugin? {
        try await all(only: pluginID).first
    }

    /// Every plugin with a desired state, by id.
    public func all() async throws -> [DesiredPlugin] {
        try await all(only: nil)
    }

    private func all(only pluginID: String?) async throws -> [DesiredPlugin] {
        try await pool.query("""
            SELECT plugin_id, version, range, registry, artifacts, permissions, previous, generation, changed_by, changed_at
            FROM desired_plugins WHERE ($1::text IS NULL OR plugin_id = $1) ORDER BY plugin_id
            """, [pluginID]).map { row in
            let version: String? = try row.decode("version")
            let target = try version.map { version in
                DesiredPlugin.Target(version: version, range: try row.decode("range"), registry: try row.decode("registry"),
                                     artifacts: DesiredPlugin.Target.artifacts(try row.decode("artifacts", as: JSONValue.self)),
                                     permissions: try row.decode("permissions"))
            }
            return DesiredPlugin(pluginID: try row.decode("plugin_id"), target: target,
                                 previous: DesiredPlugin.Target(json: try row.decode("previous", as: JSONValue?.self)),
                                 generation: try row.decode("generation"), changedBy: try row.decode("changed_by"),
                                 changedAt: try row.decode("changed_at"))
        }
    }

    /// Records `target` (nil: uninstall) as `pluginID`'s desired state, with `previous` to roll
    /// back to, if the state is still at `generation` (0: none recorded yet). The audit entry
    /// (`action`, e.g. `plugin.install`) and the NOTIFY commit with it.
    /// - Returns: the new generation.
    /// - Throws: `PLUGIN_CHANGE_CONFLICT` when another change came first.
    @discardableResult
    public func change(_ pluginID: String, to target: DesiredPlugin.Target?, previous: DesiredPlugin.Target?, expecting generation: Int64,
                       action: String, by principal: Principal) async throws -> Int64 {
        try await pool.transaction { connection in
            let values: [any PostgresEncodable] = [
                pluginID, target?.version, target?.range, target?.registry ?? "", JSONValue.object((target?.artifacts ?? [:]).mapValues(JSONValue.string)),
                target?.permissions ?? "", previous?.json, generation, principal.actor,
            ]
            // Under READ COMMITTED a second writer waits for the first's row lock, then finds
            // the generation moved (or the row inserted) and changes nothing: one wins.
            let written = try connection.prepared(generation == 0 ? """
                INSERT INTO desired_plugins (plugin_id, version, range, registry, artifacts, permissions, previous, generation, changed_by)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8 + 1, $9)
                ON CONFLICT (plugin_id) DO NOTHING RETURNING generation
                """ : """
                UPDATE desired_plugins SET version = $2, range = $3, registry = $4, artifacts = $5, permissions = $6, previous = $7,
                    generation = $8 + 1, changed_by = $9, changed_at = now()
                WHERE plugin_id = $1 AND generation = $8 RETURNING generation
                """, values)
            guard let row = written.first else {
                throw MarketError(.pluginChangeConflict, "another change to \(pluginID) was recorded first (this one expected generation \(generation))",
                                  fix: "read the plugin's desired state again (GET /v1/admin/plugins) and repeat the change if it is still wanted")
            }
            let next: Int64 = try row.decode("generation")
            try AuditWriter.record(connection, tenant: nil, by: principal, action: action, target: "plugin:\(pluginID)",
                                   details: ["from": previous.map { .string($0.version) } ?? .null,
                                             "to": target.map { .string($0.version) } ?? .null, "generation": .integer(next)])
            _ = try connection.prepared("SELECT pg_notify($1, $2)", [Self.channel, pluginID])
            return next
        }
    }

    /// Says node `nodeID` is alive (on `hostName`), for those waiting on the live nodes;
    /// answers how many nodes were seen within `live` (this one included).
    @discardableResult
    public func heartbeat(node nodeID: String, hostName: String, live: Duration = .seconds(90)) async throws -> Int {
        _ = try await pool.query("""
            INSERT INTO plugin_nodes (node_id, host_name) VALUES ($1, $2)
            ON CONFLICT (node_id) DO UPDATE SET host_name = $2, seen_at = now()
            """, [nodeID, hostName])
        return try await liveNodes(within: live).count
    }

    /// Records what a node has of a plugin.
    public func report(_ state: NodeState) async throws {
        _ = try await pool.query("""
            INSERT INTO plugin_node_states (node_id, plugin_id, generation, wanted_version, running_version, last_error, attempts)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (node_id, plugin_id) DO UPDATE SET generation = $3, wanted_version = $4, running_version = $5,
                last_error = $6, attempts = $7, updated_at = now()
            """, [state.nodeID, state.pluginID, state.generation, state.wantedVersion, state.runningVersion, state.lastError, state.attempts])
    }

    /// The nodes seen within `within`, sorted.
    public func liveNodes(within: Duration) async throws -> [String] {
        try await pool.query("""
            SELECT node_id FROM plugin_nodes WHERE seen_at > now() - make_interval(secs => $1) ORDER BY node_id
            """, [Double(within.components.seconds)]).map { try $0.decode("node_id") }
    }

    /// Every node's report on `pluginID` (every plugin when nil), by node then plugin.
    public func states(of pluginID: String? = nil) async throws -> [NodeState] {
        try await pool.query("""
            SELECT node_id, plugin_id, generation, wanted_version, running_version, last_error, attempts, updated_at
            FROM plugin_node_states WHERE ($1::text IS NULL OR plugin_id = $1) ORDER BY node_id, plugin_id
            """, [pluginID]).map { row in
            NodeState(nodeID: try row.decode("node_id"), pluginID: try row.decode("plugin_id"), generation: try row.decode("generation"),
                      wantedVersion: try row.decode("wanted_version"), runningVersion: try row.decode("running_version"),
                      lastError: try row.decode("last_error"), attempts: try row.decode("attempts"), updatedAt: try row.decode("updated_at"))
        }
    }
}

import Foundation
import MarketStore

/// A plugin's desired state as `GET /v1/admin/plugins` shows it, with every node's report.
struct DesiredPluginResource: Encodable {
    let plugin: DesiredPlugin
    let nodes: [NodeState]
    /// The automatic rollback that recorded the current generation, if one did.
    var rollback: PluginRollback?

    enum CodingKeys: String, CodingKey {
        case id, version, range, registry, artifacts, permissions, previous, generation, nodes
        case rolledBack = "rolled_back"
        case changedBy = "changed_by"
        case changedAt = "changed_at"
    }

    struct Node: Encodable {
        let state: NodeState
        let generation: Int64

        enum CodingKeys: String, CodingKey {
            case node, generation, wanted, running, converged, error, attempts
            case updatedAt = "updated_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(state.nodeID, forKey: .node)
            try container.encode(state.generation, forKey: .generation)
            try container.encode(state.wantedVersion, forKey: .wanted)
            try container.encode(state.runningVersion, forKey: .running)
            try container.encode(state.converged(at: generation), forKey: .converged)
            try container.encode(state.lastError, forKey: .error)
            try container.encode(state.attempts, forKey: .attempts)
            try container.encode(state.updatedAt, forKey: .updatedAt)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(plugin.pluginID, forKey: .id)
        // null: uninstalled on every node.
        try container.encode(plugin.target?.version, forKey: .version)
        try container.encodeIfPresent(plugin.target?.range, forKey: .range)
        try container.encodeIfPresent(plugin.target?.registry, forKey: .registry)
        try container.encodeIfPresent(plugin.target?.artifacts, forKey: .artifacts)
        try container.encodeIfPresent(plugin.target?.permissions, forKey: .permissions)
        try container.encodeIfPresent(plugin.previous?.version, forKey: .previous)
        try container.encode(plugin.generation, forKey: .generation)
        try container.encode(plugin.changedBy, forKey: .changedBy)
        try container.encode(plugin.changedAt, forKey: .changedAt)
        try container.encode(nodes.map { Node(state: $0, generation: plugin.generation) }, forKey: .nodes)
        if let rollback, rollback.generation == plugin.generation {
            try container.encode(["from": rollback.fromVersion, "reason": rollback.reason, "node": rollback.nodeID,
                                  "at": ISO8601DateFormatter().string(from: rollback.rolledBackAt)], forKey: .rolledBack)
        }
    }
}

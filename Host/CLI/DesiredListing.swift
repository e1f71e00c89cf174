import Foundation
import Logging
import MarketCore
import MarketStore

/// `market list --database URL`: the desired plugin state every server converges on, what each
/// server reports of it, and the automatic rollback that recorded it, if one did.
enum DesiredListing {
    static func run(database: String, json: Bool) async throws {
        try await withStartedPool(connectionString: database, size: 1, logger: Logger(label: "market.plugins")) { pool in
            try await Migrator().requireCurrent(using: pool)
            let store = DesiredPlugins(pool: pool)
            let plugins = try await store.all()
            let states = Dictionary(grouping: try await store.states(), by: \.pluginID)
            let rollbacks = try await store.lastRollbacks().filter { id, rollback in plugins.first { $0.pluginID == id }?.generation == rollback.generation }
            if json {
                printJSON(JSONValue.object(["plugins": .array(plugins.map { Self.json($0, states[$0.pluginID] ?? [], rollbacks[$0.pluginID]) })]).jsonText)
                return
            }
            guard !plugins.isEmpty else {
                print("no desired plugin state in the database; install with `market install NAME --database URL`")
                return
            }
            for plugin in plugins {
                var notes = ["generation \(plugin.generation)"]
                if let rollback = rollbacks[plugin.pluginID] {
                    notes.append("rolled back from \(rollback.fromVersion) by \(rollback.nodeID): \(TerminalText.escape(rollback.reason))")
                }
                print("\(plugin.pluginID) \(plugin.target?.version ?? "uninstalled")  \(notes.joined(separator: "; "))")
                for state in states[plugin.pluginID] ?? [] {
                    let error = state.lastError.map { ", last error: \(TerminalText.escape($0))" } ?? ""
                    print("  \(state.nodeID): running \(state.runningVersion ?? "nothing"), wants \(state.wantedVersion ?? "uninstalled")\(error)")
                }
            }
        }
    }

    private static func json(_ plugin: DesiredPlugin, _ states: [NodeState], _ rollback: PluginRollback?) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(plugin.pluginID), "version": plugin.target.map { .string($0.version) } ?? .null, "generation": .integer(plugin.generation),
            "nodes": .array(states.map { state in
                .object(["node": .string(state.nodeID), "running": state.runningVersion.map(JSONValue.string) ?? .null,
                         "wanted": state.wantedVersion.map(JSONValue.string) ?? .null, "error": state.lastError.map(JSONValue.string) ?? .null])
            }),
        ]
        if let rollback {
            members["rolled_back"] = .object(["from": .string(rollback.fromVersion), "reason": .string(rollback.reason), "node": .string(rollback.nodeID)])
        }
        return .object(members)
    }
}

import Foundation

/// An automatic rollback: a node found the version it switched to unhealthy and put the desired
/// state back to the version before.
public struct PluginRollback: Sendable, Equatable {
    public let pluginID: String
    /// The unhealthy version.
    public let fromVersion: String
    /// The version the desired state went back to.
    public let toVersion: String
    /// Why, in words: the health rule that failed, or the probe's error.
    public let reason: String
    /// The node that judged it.
    public let nodeID: String
    /// The desired state's generation the rollback recorded: the switch back.
    public let generation: Int64
    public let rolledBackAt: Date
}

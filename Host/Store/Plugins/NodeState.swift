import Foundation

/// What one node reports of one desired plugin: the generation it last acted on, the version it
/// wants and the one it runs, and the error that keeps them apart, if any.
public struct NodeState: Sendable, Equatable {
    public let nodeID: String
    public let pluginID: String
    public let generation: Int64
    public let wantedVersion: String?
    public let runningVersion: String?
    /// `CODE: message` of the last failed attempt; nil once the node converged.
    public let lastError: String?
    /// Failed attempts in a row at this generation.
    public let attempts: Int
    public let updatedAt: Date

    public init(nodeID: String, pluginID: String, generation: Int64, wantedVersion: String?, runningVersion: String?,
                lastError: String?, attempts: Int, updatedAt: Date = Date()) {
        self.nodeID = nodeID
        self.pluginID = pluginID
        self.generation = generation
        self.wantedVersion = wantedVersion
        self.runningVersion = runningVersion
        self.lastError = lastError
        self.attempts = attempts
        self.updatedAt = updatedAt
    }

    /// Whether the node runs what `generation` wants.
    public func converged(at generation: Int64) -> Bool {
        self.generation >= generation && lastError == nil && wantedVersion == runningVersion
    }
}

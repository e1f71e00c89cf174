import MarketCore
import PluginRuntime

/// A tenant's instance of a plugin, as `PluginHost` keeps it.
public struct OwnedInstance: Sendable {
    public let instance: PluginInstance
    public let manifest: PluginManifest
    /// The instance's tools, listed once when it was created (empty when it offers none).
    public let tools: [ToolDescription]
    /// The library build the instance runs.
    public let identity: LibraryIdentity
}

import MarketCore
import PluginRuntime

/// A tenant's instance of a plugin, as `PluginHost` keeps it. A class: callers hold and pass it
/// on every plugin call (`ServingInstance`), and copying a struct with a whole manifest in it
/// retained each of the manifest's strings and arrays every time.
public final class OwnedInstance: Sendable {
    public let instance: PluginInstance
    public let manifest: PluginManifest
    /// The instance's tools, listed once when it was created (empty when it offers none).
    public let tools: [ToolDescription]
    /// The library build the instance runs.
    public let identity: LibraryIdentity

    init(instance: PluginInstance, manifest: PluginManifest, tools: [ToolDescription], identity: LibraryIdentity) {
        self.instance = instance
        self.manifest = manifest
        self.tools = tools
        self.identity = identity
    }
}

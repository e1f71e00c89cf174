/// A plugin installation that receives events: one tenant's instance of one plugin. A
/// subscriber only ever receives events of its own tenant.
public struct Subscriber: Sendable, Hashable, CustomStringConvertible {
    /// The tenant that installed the plugin.
    public let tenantID: String
    /// The plugin's manifest id.
    public let pluginID: String

    public init(tenantID: String, pluginID: String) {
        self.tenantID = tenantID
        self.pluginID = pluginID
    }

    /// `tenant/plugin`, as the CLI prints it.
    public var description: String { "\(tenantID)/\(pluginID)" }
}

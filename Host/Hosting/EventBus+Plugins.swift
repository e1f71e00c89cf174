import MarketCore
import MarketStore
import PluginRuntime

extension EventBus {
    /// Subscribes a plugin instance's installation to the patterns its manifest lists in
    /// `permissions.events.subscribe`, replacing what it had.
    /// - Returns: the installation as a subscriber.
    @discardableResult
    public func subscribeAsDeclared(_ instance: PluginInstance) async throws -> Subscriber {
        let subscriber = Subscriber(tenantID: instance.tenantID, pluginID: instance.pluginID)
        try await replaceSubscriptions(of: subscriber, with: instance.library.manifest.permissions.events.subscribe)
        return subscriber
    }
}

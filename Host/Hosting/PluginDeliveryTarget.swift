import MarketCore
import MarketStore
import PluginRuntime

/// Delivers to a loaded plugin instance through `market.events/1`, on the instance's thread.
public struct PluginDeliveryTarget: DeliveryTarget {
    public let instance: PluginInstance
    /// The plugin's time to handle one event; nil for the instance's default.
    public let timeout: Duration?

    public init(instance: PluginInstance, timeout: Duration? = nil) {
        self.instance = instance
        self.timeout = timeout
    }

    public func deliver(_ event: EventEnvelope) async throws -> EventDeliveryOutcome {
        try await instance.deliver(event, timeout: timeout)
    }
}

import MarketCore
import MarketStore
import PluginRuntime

/// Delivers through `market.events/1` to the instance serving a subscriber now, following a
/// switch that happens between finding the target and delivering (see `ServingInstance`).
public struct HostedDeliveryTarget: DeliveryTarget {
    public let serving: ServingInstance
    /// The plugin's time to handle one event; nil for the instance's default.
    public let timeout: Duration?

    public func deliver(_ event: EventEnvelope) async throws -> EventDeliveryOutcome {
        let timeout = timeout
        return try await serving.run { try await $0.deliver(event, timeout: timeout) }.get()
    }
}

import Synchronization
import MarketCore
import MarketStore
import PluginRuntime

/// The plugin instances of this replica that receive events, by installation.
public final class PluginTargets: DeliveryTargets {
    private let instances = Mutex<[Subscriber: PluginDeliveryTarget]>([:])

    public init() {}

    /// Adds (or replaces) the instance serving its installation.
    /// - Returns: the subscriber to pass to `EventBus.subscribe`.
    @discardableResult
    public func add(_ instance: PluginInstance, timeout: Duration? = nil) -> Subscriber {
        let subscriber = Subscriber(tenantID: instance.tenantID, pluginID: instance.pluginID)
        instances.withLock { $0[subscriber] = PluginDeliveryTarget(instance: instance, timeout: timeout) }
        return subscriber
    }

    /// Stops delivering to an installation here; its deliveries wait (and retry) meanwhile.
    public func remove(_ subscriber: Subscriber) {
        _ = instances.withLock { $0.removeValue(forKey: subscriber) }
    }

    public func target(for subscriber: Subscriber) async -> (any DeliveryTarget)? {
        instances.withLock { $0[subscriber] }
    }
}

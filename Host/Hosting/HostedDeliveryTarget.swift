import MarketCore
import MarketStore
import PluginRuntime

/// Delivers through `market.events/1` to the instance serving a subscriber now, following a
/// switch that happens between finding the target and delivering (see `ServingInstance`);
/// target rows go through `market.targets/1` the same way.
public struct HostedDeliveryTarget: DeliveryTarget {
    public let serving: ServingInstance
    /// The plugin's time to handle one event; nil for the instance's default.
    public let timeout: Duration?
    /// Opens a target's secrets; nil on a host without a tenant store.
    let box: SecretBox?
    /// The host's secrets opened lately, shared by every delivery target it makes.
    let openedSecrets: OpenedSecrets

    public func deliver(_ event: EventEnvelope) async throws -> EventDeliveryOutcome {
        let timeout = timeout
        return try await serving.run { try await $0.deliver(event, timeout: timeout) }.get()
    }

    /// One `market.event-batches/1` call when the plugin offers it, else each event on its own.
    public func deliver(batch events: [EventEnvelope]) async throws -> [EventDeliveryOutcome] {
        guard events.count > 1, serving.owned.instance.takesEventBatches else { return try await deliverEach(events) }
        let timeout = timeout
        return try await serving.run { try await $0.deliver(batch: events, timeout: timeout) }.get()
    }

    /// Hands the plugin `{"id","settings","secrets","attempt"}` (market/targets.h), written
    /// from the settings' stored text and the secrets' opened text as they are.
    public func deliver(_ event: EventEnvelope, to target: ClaimedTarget, attempt: Int) async throws -> TargetOutcome {
        guard let box else {
            throw MarketError(.instanceClosed, "this host has no tenant store, so it cannot open target secrets", fix: "open the host with a TenantStore")
        }
        let secrets = try openedSecrets.text(of: target, tenant: event.tenantID, box: box)
        let described = #"{"id":"# + JSONValue.string(target.id).jsonText + #","settings":"# + target.settingsText
            + #","secrets":"# + secrets + #","attempt":\#(attempt)}"#
        let timeout = timeout
        return try await serving.run { [described] in try await $0.deliver(event, toTarget: described, timeout: timeout) }.get()
    }
}

import Foundation
import MarketCore
import PluginKit
import MarketStore
import PluginRuntime

extension PluginHost {
    /// Has the tenant's plugin check and complete a new target (`prepare`, action "create"),
    /// then stores what it answered.
    /// - Returns: the stored target and its secrets, which the caller shows once.
    /// - Throws: `TARGET_PLUGIN_UNAVAILABLE` when the plugin is not enabled for the tenant,
    ///   installed here, or of kind `targets`; the plugin's refusal (`PLUGIN_FAILED`,
    ///   `INVALID_ARGUMENT` with its message); `TARGET_INVALID`.
    public func createTarget(_ draft: EventTargets.Draft, settings: JSONValue, in targets: EventTargets,
                             by principal: Principal) async throws -> (target: EventTarget, secrets: JSONValue) {
        try EventTargets.check(description: draft.description, patterns: draft.patterns, rate: draft.ratePerSecond)
        let prepared = try await prepareTarget(tenant: draft.tenantID, plugin: draft.pluginID, request: [
            "action": .string("create"), "settings": settings, "current": .null,
        ])
        let target = try await targets.create(draft, settings: prepared.settings, secrets: prepared.secrets, by: principal)
        return (target, prepared.secrets)
    }

    /// Changes a target; new `settings` go through the plugin's `prepare` (action "update")
    /// first, which also answers the secrets to keep.
    public func updateTarget(_ id: String, tenant: String, change: EventTargets.Change, settings: JSONValue?, in targets: EventTargets,
                             by principal: Principal) async throws -> EventTarget {
        guard let settings else { return try await targets.update(id, tenant: tenant, change: change, by: principal) }
        let current = try await targets.stored(id, tenant: tenant, by: principal)
        let prepared = try await prepareTarget(tenant: tenant, plugin: current.target.pluginID, request: [
            "action": .string("update"), "settings": settings,
            "current": .object(["settings": current.target.settings, "secrets": current.secrets]),
        ])
        return try await targets.update(id, tenant: tenant, change: change, settings: prepared.settings, secrets: prepared.secrets, by: principal)
    }

    /// Has the plugin make a new secret for a target (`prepare`, action "rotate_secret"), keeping
    /// the old one beside it for `overlap` as the plugin decides, and stores the answer.
    /// - Returns: the target and its new secrets, which the caller shows once.
    public func rotateTargetSecret(_ id: String, tenant: String, overlap: Duration, in targets: EventTargets,
                                   by principal: Principal) async throws -> (target: EventTarget, secrets: JSONValue) {
        let current = try await targets.stored(id, tenant: tenant, by: principal)
        let prepared = try await prepareTarget(tenant: tenant, plugin: current.target.pluginID, request: [
            "action": .string("rotate_secret"), "settings": current.target.settings,
            "current": .object(["settings": current.target.settings, "secrets": current.secrets]),
            "now": .string(Timestamp.format(Date())), "overlap_seconds": .integer(Int64(overlap.components.seconds)),
        ])
        let target = try await targets.update(id, tenant: tenant, change: EventTargets.Change(), settings: prepared.settings,
                                              secrets: prepared.secrets, action: "target.rotate_secret", by: principal)
        return (target, prepared.secrets)
    }

    /// Calls the plugin's `prepare` on the instance serving the tenant now.
    private func prepareTarget(tenant: String, plugin: String, request: [String: JSONValue]) async throws -> (settings: JSONValue, secrets: JSONValue) {
        let unavailable = MarketError(.targetPluginUnavailable, "\(plugin) is not enabled for tenant \(tenant), or not installed on this server",
                                      fix: "install and enable it: market install \(plugin) && market enable \(plugin) --tenant \(tenant)")
        let owned: OwnedInstance?
        do {
            owned = try await enabledInstance(tenant: tenant, plugin: plugin)
        } catch let error as MarketError where error.code == .pluginNotFound {
            throw unavailable
        }
        guard let owned else { throw unavailable }
        guard owned.instance.offersTargets else {
            throw MarketError(.targetPluginUnavailable, "\(plugin) delivers to no targets (it is not of kind \"targets\")",
                              fix: "use a plugin that offers market.targets/1, such as webhooks")
        }
        let serving = ServingInstance(host: self, owned: owned, tenantID: tenant)
        do {
            return try await serving.run { try await $0.prepareTarget(.object(request)) }.get()
        } catch let error as MarketError where (error.underlying as? PluginCallFailure)?.status == Status.invalidArgument.rawValue {
            // The plugin refused the settings: the operator's input, not a failure of the host.
            let message = (error.underlying as? PluginCallFailure)?.message ?? ""
            throw MarketError(.targetInvalid, "\(plugin) refused the target's settings\(message.isEmpty ? "" : ": \(message)")",
                              fix: "correct the settings the message names", underlying: error)
        }
    }
}

extension MarketError.Code {
    /// The plugin a target belongs to is not enabled for the tenant, not installed on this
    /// server, or not of kind `targets`.
    public static let targetPluginUnavailable = Self(rawValue: "TARGET_PLUGIN_UNAVAILABLE")
}

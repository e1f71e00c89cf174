import Foundation
import MarketCore
import MarketStore
import PluginRuntime

/// The host's side of inbound hooks, `/hooks/<hook id>/…` (docs/webhooks.md, "The hook URL"):
/// finds the installation a hook id belongs to and hands the request to its instance through
/// the plugin owner, like every other plugin call. The plugin authenticates the request itself
/// (the webhooks plugin by its signatures); the host checks only the size of the body.
public struct InboundHooks: Sendable {
    /// The largest body handed to a plugin; anything larger is refused before the plugin is called.
    public static let maximumBodyBytes = 1 << 20

    let host: PluginHost
    let tenants: TenantStore

    public init(host: PluginHost, tenants: TenantStore) {
        self.host = host
        self.tenants = tenants
    }

    /// The enabled installation's hook with id `id`.
    /// - Throws: `HOOK_NOT_FOUND` for an unknown id and for a disabled installation alike, so
    ///   the answer says nothing about which tenants or plugins exist.
    public func resolve(_ id: String) async throws -> PluginHook {
        guard let hook = try await tenants.hook(id: id), hook.enabled else { throw Self.notFound }
        return hook
    }

    /// Hands one request to the hook's instance (`market.ingress/1`). `path` is the path and
    /// query below the hook, starting with `/`.
    /// - Throws: `HOOK_NOT_FOUND` when the plugin is not installed here, was disabled meanwhile,
    ///   or no longer takes inbound HTTP; the call's errors (`TIMEOUT`, `PLUGIN_FAILED`, …).
    public func handle(_ hook: PluginHook, method: String, path: String, headers: [(name: String, value: String)],
                       body: [UInt8]) async throws -> IngressResponse {
        let owned: OwnedInstance?
        do {
            owned = try await host.enabledInstance(tenant: hook.tenantID, plugin: hook.pluginID)
        } catch let error as MarketError where error.code == .pluginNotFound {
            throw Self.notFound
        }
        guard let owned, owned.manifest.permissions.ingress else { throw Self.notFound }
        let serving = ServingInstance(host: host, owned: owned, tenantID: hook.tenantID)
        do {
            return try await serving.run { try await $0.handleIngress(method: method, path: path, headers: headers, body: body) }.get()
        } catch let error as MarketError where error.code == .capabilityMissing {
            throw Self.notFound
        }
    }

    /// What an unknown, rotated or disabled hook answers.
    public static let notFound = MarketError(.hookNotFound, "there is no hook at this URL",
                                      fix: "use the hook URL `market hooks list --tenant TENANT` shows; a rotated hook's old URL no longer answers")
}

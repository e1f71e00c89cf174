import Foundation
import Logging
import MarketCore
import PluginRuntime

/// The process's one owner of plugin instances: one per tenant installation, made lazily from
/// the loaded library and `TenantStore.settingsForInstance`, replaced when the installation's
/// settings change, and closed when the installation is found disabled or at `closeAll()`.
///
/// The conversation engine takes its tool and model instances from here, and the delivery
/// workers their event targets (it is their `DeliveryTargets`), so a tenant's plugin has one
/// instance in the process, whatever uses it.
public final class PluginInstances: DeliveryTargets {
    /// Finds the loaded library of a plugin id, or nil when it is not installed here.
    public typealias LibraryLookup = @Sendable (String) throws -> PluginLibrary?

    private let runtime: PluginRuntime
    private let tenants: TenantStore
    private let libraries: LibraryLookup
    private let deliveryTimeout: Duration?
    private let logger: Logger
    private let cache = InstanceCache()

    /// - Parameters:
    ///   - libraries: the loaded library of a plugin id (the catalog's, or loaded from folders).
    ///   - deliveryTimeout: a plugin's time to handle one event; nil for the instance's default.
    public init(runtime: PluginRuntime, tenants: TenantStore, libraries: @escaping LibraryLookup,
                deliveryTimeout: Duration? = nil, logger: Logger) {
        self.runtime = runtime
        self.tenants = tenants
        self.libraries = libraries
        self.deliveryTimeout = deliveryTimeout
        self.logger = logger
    }

    /// The tenant's instance of `library` for `installation`, made from its stored settings on
    /// first use, and again after they changed (`installation.updatedAt`).
    /// - Throws: `INSTANCE_CLOSED` after `closeAll()`; the plugin's start failure.
    public func instance(of library: PluginLibrary, installation: Installation) async throws -> OwnedInstance {
        let tenant = installation.tenantID, plugin = installation.pluginID
        let key = Subscriber(tenantID: tenant, pluginID: plugin)
        return try await cache.instance(key, version: installation.updatedAt) { [runtime, tenants, logger] in
            let settings = try await tenants.settingsForInstance(plugin, tenant: tenant)
            let instance = try await runtime.instantiate(library, tenantID: tenant, config: settings.instanceConfig.jsonText, secrets: settings.secrets)
            do {
                let tools = instance.offersTools ? try await instance.listTools() : []
                logger.debug("plugin instance created", metadata: ["tenant": .string(tenant), "plugin": .string(plugin)])
                return OwnedInstance(instance: instance, manifest: library.manifest, tools: tools)
            } catch {
                await instance.close()
                throw error
            }
        }
    }

    /// The instance of the tenant's enabled installation of `plugin`, or nil when the plugin is
    /// not enabled for the tenant or not installed here (a stale instance is then closed).
    /// - Throws: store errors, the plugin's start failure.
    public func enabledInstance(tenant: String, plugin: String) async throws -> OwnedInstance? {
        let key = Subscriber(tenantID: tenant, pluginID: plugin)
        guard let installation = try await tenants.installation(plugin, tenant: tenant, by: .system), installation.enabled,
              let library = try libraries(plugin) else {
            if await cache.contains(key) {
                logger.info("plugin instance closed: the installation is disabled or gone", metadata: ["tenant": .string(tenant), "plugin": .string(plugin)])
                await cache.close(key)
            }
            return nil
        }
        return try await instance(of: library, installation: installation)
    }

    /// `DeliveryTargets`: the subscriber's instance, when it is enabled, installed here and
    /// receives events; else nil (the delivery is retried on the schedule).
    public func target(for subscriber: Subscriber) async -> (any DeliveryTarget)? {
        do {
            guard let owned = try await enabledInstance(tenant: subscriber.tenantID, plugin: subscriber.pluginID) else { return nil }
            return PluginDeliveryTarget(instance: owned.instance, timeout: deliveryTimeout)
        } catch {
            logger.warning("no delivery target: the plugin instance did not start", metadata: [
                "subscriber": .string("\(subscriber)"), "error": .string("\(error)"),
            ])
            return nil
        }
    }

    /// Closes the tenant's instance of `plugin`, if any (after disabling it, say); the next use
    /// makes a new one.
    public func close(tenant: String, plugin: String) async {
        await cache.close(Subscriber(tenantID: tenant, pluginID: plugin))
    }

    /// Closes every instance; later requests fail with `INSTANCE_CLOSED`.
    public func closeAll() async {
        await cache.closeAll()
    }
}

import Foundation
import Logging
import MarketCore
import MarketStore
import PluginRuntime

extension PluginHost {
    /// The tenant's instance for `installation`, of the library serving its plugin now: made from
    /// the stored settings on first use, and again when the library's identity or the settings
    /// (`installation.updatedAt`) changed; the replaced instance is closed.
    /// - Throws: `PLUGIN_NOT_FOUND` when the plugin has no folder here; load errors;
    ///   `INSTANCE_CLOSED` after `closeAll()`; the plugin's start failure.
    public func instance(for installation: Installation) async throws -> OwnedInstance {
        guard let hosted = try library(id: installation.pluginID) else {
            throw MarketError(.pluginNotFound, "\(installation.pluginID) is not installed on this server",
                              fix: "install it with `market install \(installation.pluginID)`")
        }
        return try await instance(of: hosted, installation: installation)
    }

    /// The tenant's instance for `installation` as a handle whose calls follow a switch (see
    /// `ServingInstance`): what the engine holds for a reply.
    /// - Throws: as `instance(for:)`.
    public func serving(_ installation: Installation) async throws -> ServingInstance {
        ServingInstance(host: self, owned: try await instance(for: installation), tenantID: installation.tenantID)
    }

    /// The tenant's instance of `hosted` for `installation` (see `instance(for:)`).
    public func instance(of hosted: HostedLibrary, installation: Installation) async throws -> OwnedInstance {
        guard let tenants else {
            throw MarketError(.instanceClosed, "this host has no tenant store, so it makes no tenant instance",
                              fix: "open the host with a TenantStore")
        }
        let tenant = installation.tenantID, plugin = installation.pluginID
        let key = Subscriber(tenantID: tenant, pluginID: plugin)
        let version = InstanceVersion(library: hosted.identity, settings: installation.updatedAt)
        return try await cache.instance(key, version: version) { [runtime, logger, health] in
            do {
                return try await Self.makeInstance(of: hosted, tenant: tenant, tenants: tenants, runtime: runtime, logger: logger)
            } catch {
                // A version that cannot start is unhealthy (when it is being watched).
                health.recordStartFailure(plugin, library: hosted.identity, error: error)
                throw error
            }
        }
    }

    /// A new instance of `hosted` for `tenant` from its stored settings, with its tools listed.
    private static func makeInstance(of hosted: HostedLibrary, tenant: String, tenants: TenantStore, runtime: PluginRuntime,
                                     logger: Logger) async throws -> OwnedInstance {
        let settings = try await tenants.settingsForInstance(hosted.id, tenant: tenant)
        let instance = try await runtime.instantiate(hosted.library, tenantID: tenant, config: settings.instanceConfig.jsonText, secrets: settings.secrets)
        do {
            let tools = instance.offersTools ? try await instance.listTools() : []
            logger.debug("plugin instance created", metadata: [
                "tenant": .string(tenant), "plugin": .string(hosted.id), "library": .string("\(hosted.identity)"),
            ])
            return OwnedInstance(instance: instance, manifest: hosted.library.manifest, tools: tools, identity: hosted.identity)
        } catch {
            await instance.close()
            throw error
        }
    }

    /// The instance of the tenant's enabled installation of `plugin`, or nil when the plugin is
    /// not enabled for the tenant or not installed here (a stale instance is then closed).
    /// - Throws: store errors, load errors, the plugin's start failure.
    public func enabledInstance(tenant: String, plugin: String) async throws -> OwnedInstance? {
        let key = Subscriber(tenantID: tenant, pluginID: plugin)
        guard let tenants, let installation = try await tenants.installation(plugin, tenant: tenant, by: .system), installation.enabled,
              let hosted = try library(id: plugin) else {
            if await cache.contains(key) {
                logger.info("plugin instance closed: the installation is disabled or gone", metadata: ["tenant": .string(tenant), "plugin": .string(plugin)])
                await cache.close(key)
            }
            return nil
        }
        return try await instance(of: hosted, installation: installation)
    }

    /// `DeliveryTargets`: the subscriber's instance, when it is enabled, installed here and
    /// receives events; else nil (the delivery is retried on the schedule). The delivery goes to
    /// the instance serving when it starts, should a switch come in between.
    public func target(for subscriber: Subscriber) async -> (any DeliveryTarget)? {
        do {
            guard let owned = try await enabledInstance(tenant: subscriber.tenantID, plugin: subscriber.pluginID) else { return nil }
            return HostedDeliveryTarget(serving: ServingInstance(host: self, owned: owned, tenantID: subscriber.tenantID), timeout: deliveryTimeout,
                                        box: tenants?.box, openedSecrets: openedSecrets)
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

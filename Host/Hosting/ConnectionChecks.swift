import MarketCore
import MarketStore
import PluginRuntime

/// Runs a plugin's connection test (`market.connection-test/1`) for a tenant, on the instance
/// that serves the tenant: `market connections test` and `POST …/connections/{plugin}/test`.
public struct ConnectionChecks: Sendable {
    let host: PluginHost
    let tenants: TenantStore

    public init(host: PluginHost, tenants: TenantStore) {
        self.host = host
        self.tenants = tenants
    }

    /// The plugin's report of its steps (config, credentials, one harmless request); a report
    /// whose steps failed is a result, not an error.
    /// - Throws: `ACCESS_DENIED`, `TENANT_NOT_FOUND`, `PLUGIN_NOT_FOUND` (not enabled for the
    ///   tenant, or not installed here), `CAPABILITY_MISSING` (the plugin offers no test), the
    ///   call's failures (`TIMEOUT`, `PLUGIN_FAILED`, …).
    public func test(plugin: String, tenant: String, by principal: Principal) async throws -> ConnectionTestReport {
        // Also the access check: a tenant's token sees only its own installations.
        guard try await tenants.installation(plugin, tenant: tenant, by: principal)?.enabled == true,
              let owned = try await host.enabledInstance(tenant: tenant, plugin: plugin) else {
            throw MarketError(.pluginNotFound, "tenant \(tenant) has not enabled \(plugin) on this server",
                              fix: "enable it with `market enable \(plugin) --tenant \(tenant)`")
        }
        return try await ServingInstance(host: host, owned: owned, tenantID: tenant).run { try await $0.testConnection() }.get()
    }
}

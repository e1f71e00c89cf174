import Foundation
import MarketStore
import PluginHosting
import PluginRuntime
import StoreTestSupport

/// A `PluginHost` over a bus fixture's database and event bus, serving the plugins installed in
/// `stateDirectory`, for tenant `acme`, which has textkit enabled: the owner as `market serve`
/// makes it, for the tests of switches and instances.
struct AcmeTextkitHost {
    let tenants: TenantStore
    let runtime: PluginRuntime
    let host: PluginHost

    static func make(on fixture: BusFixture, stateDirectory: URL) async throws -> AcmeTextkitHost {
        let folders = PluginFolders(stateDirectory: stateDirectory)
        let tenants = TenantStore(pool: fixture.pool, masterKey: .generate(), manifests: folders, logger: quietLogger)
        let runtime = PluginRuntime(services: HostServices(logger: quietLogger, keyValue: PostgresKeyValueStore(pool: fixture.pool), events: fixture.bus))
        let host = PluginHost(runtime: runtime, folders: folders, tenants: tenants, logger: quietLogger)
        _ = try await tenants.createTenant("acme", by: .system)
        _ = try await tenants.enable("textkit", tenant: "acme", by: .system)
        return AcmeTextkitHost(tenants: tenants, runtime: runtime, host: host)
    }
}

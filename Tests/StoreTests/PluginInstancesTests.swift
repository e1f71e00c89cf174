import Foundation
import MarketCore
import MarketStore
import PluginHosting
import PluginRuntime
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// The process's one owner of plugin instances, with real plugins built from source, and
    /// enabling and disabling as the bus sees them.
    @Suite struct PluginInstancesTests {
        struct World {
            let fixture: BusFixture
            let tenants: TenantStore
            let runtime: PluginRuntime
            let instances: PluginHost

            static func make() async throws -> World {
                let fixture = try await BusFixture.make()
                let folders = PluginFolders(stateDirectory: nil, developmentFolders: [PluginDeliveryTests.builtPlugins])
                let tenants = TenantStore(pool: fixture.pool, masterKey: .generate(), manifests: folders, logger: quietLogger)
                let runtime = PluginRuntime(services: HostServices(logger: quietLogger, keyValue: PostgresKeyValueStore(pool: fixture.pool), events: fixture.bus))
                let instances = PluginHost(runtime: runtime, folders: folders, tenants: tenants, logger: quietLogger)
                _ = try await tenants.createTenant("acme", by: .system)
                return World(fixture: fixture, tenants: tenants, runtime: runtime, instances: instances)
            }

            func shutdown() async {
                await instances.closeAll()
                await runtime.shutdown()
                await fixture.shutdown()
            }

            func seen() async throws -> JSONValue? {
                let owned = try #require(try await instances.enabledInstance(tenant: "acme", plugin: "textkit"))
                return try JSONValue(parsing: try await owned.instance.callTool("events_seen", arguments: "{}"))["events_seen"]
            }
        }

        @Test func enablingSubscribesTheInstallationToWhatItsManifestDeclares() async throws {
            let world = try await World.make()
            _ = try await world.tenants.enable("textkit", tenant: "acme", by: .system)
            let subscriber = Subscriber(tenantID: "acme", pluginID: "textkit")
            #expect(try await world.fixture.bus.subscriptions(tenantID: "acme") == [subscriber: ["*"]])
            // Enabling again restores the declared list (say, after it was narrowed by hand).
            try await world.fixture.bus.replaceSubscriptions(of: subscriber, with: ["lead.*"])
            _ = try await world.tenants.enable("textkit", tenant: "acme", by: .system)
            #expect(try await world.fixture.bus.subscriptions(tenantID: "acme") == [subscriber: ["*"]])
            let published = try await world.fixture.bus.publish(EventEnvelope(type: "lead.created", tenantID: "acme", data: "{}"))
            #expect(published.deliveries == 1)
            await world.shutdown()
        }

        @Test func deliveriesReachTheSharedInstanceAndStopWhileThePluginIsDisabled() async throws {
            let world = try await World.make()
            _ = try await world.tenants.enable("textkit", tenant: "acme", by: .system)
            let worker = world.fixture.worker(world.instances)
            try await world.fixture.bus.publish(EventEnvelope(type: "lead.created", tenantID: "acme", data: "{}"))
            #expect(try await worker.deliverDue() == 1)
            #expect(try await world.seen() == .number(1))
            let first = try #require(try await world.instances.enabledInstance(tenant: "acme", plugin: "textkit")).instance
            #expect(try await world.instances.enabledInstance(tenant: "acme", plugin: "textkit")?.instance === first, "one instance, reused")

            // A delivery made while enabled waits, unclaimed, while the plugin is disabled.
            try await world.fixture.bus.publish(EventEnvelope(type: "lead.updated", tenantID: "acme", data: "{}"))
            _ = try await world.tenants.disable("textkit", tenant: "acme", by: .system)
            #expect(try await worker.deliverDue() == 0)
            #expect(try await world.instances.enabledInstance(tenant: "acme", plugin: "textkit") == nil)
            let closed = await #expect(throws: MarketError.self, "disabling closed the instance") {
                try await first.callTool("events_seen", arguments: "{}")
            }
            #expect(closed?.code == .instanceClosed)
            // Events published meanwhile make no delivery for it at all.
            let meanwhile = try await world.fixture.bus.publish(EventEnvelope(type: "lead.deleted", tenantID: "acme", data: "{}"))
            #expect(meanwhile.deliveries == 0)

            _ = try await world.tenants.enable("textkit", tenant: "acme", by: .system)
            #expect(try await worker.deliverDue() == 1)
            #expect(try await world.seen() == .number(2), "the waiting delivery arrived once enabled again; the one made meanwhile never existed")
            let pending = try await world.fixture.bus.deliveries(DeliveryFilter(tenantID: "acme", status: .pending))
            #expect(pending.isEmpty)
            await world.shutdown()
        }

        @Test func newSettingsMakeANewInstanceAndCloseAllEndsThem() async throws {
            let world = try await World.make()
            let installation = try await world.tenants.enable("textkit", tenant: "acme", by: .system)
            let first = try await world.instances.instance(for: installation).instance
            #expect(try await world.instances.instance(for: installation).instance === first)
            let changed = try await world.tenants.configure("textkit", tenant: "acme", with: .object([:]), by: .system)
            let second = try await world.instances.instance(for: changed).instance
            #expect(second !== first)
            await world.instances.closeAll()
            let closedCall = await #expect(throws: MarketError.self) { try await second.callTool("events_seen", arguments: "{}") }
            #expect(closedCall?.code == .instanceClosed)
            let closedCache = await #expect(throws: MarketError.self) { try await world.instances.instance(for: changed) }
            #expect(closedCache?.code == .instanceClosed)
            await world.runtime.shutdown()
            await world.fixture.shutdown()
        }
    }
}

import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import PluginHosting
import PluginRuntime
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// The plugin owner gives the conversation engine's path (`instance(for:)`) and the delivery
    /// workers' path (`target(for:)`) one instance per (tenant, plugin, library, settings), across
    /// a real `market install` of a new version built from source.
    @Suite struct PluginHostTests {
        /// Publishes textkit `version` to the registry `site` and installs it into `home` with `market`.
        static func publishAndInstall(version: String, in folder: URL) async throws {
            let market = buildProductsDirectory.appendingPathComponent("market").path
            let plugins = try await FixturePlugin.textkit(version: version, in: folder)
            let built = try await runProcess(market, ["registry", "build", "site", "--key", "keys/k.key", "--plugins", plugins.path], in: folder)
            try #require(built.status == 0, "\(built.stderr)")
            let installed = try await runProcess(market, ["install", "textkit@\(version)", "--registry", "site", "--root", "site/root.json",
                                                          "--state-dir", "home"], in: folder)
            try #require(installed.status == 0, "\(installed.stderr)")
        }

        @Test func theEngineAndTheDeliveryPathShareOneInstanceAcrossAnUpdate() async throws {
            let folder = try temporaryDirectory("plugin-host")
            let market = buildProductsDirectory.appendingPathComponent("market").path
            #expect(try await runProcess(market, ["keygen", "--out", "keys", "--name", "k"], in: folder).status == 0)
            #expect(try await runProcess(market, ["registry", "init", "site", "--root-key", "keys/k.key"], in: folder).status == 0)
            try await Self.publishAndInstall(version: "1.0.0", in: folder)

            let fixture = try await BusFixture.make()
            let world = try await AcmeTextkitHost.make(on: fixture, stateDirectory: folder.appendingPathComponent("home"))
            let (tenants, runtime, host) = (world.tenants, world.runtime, world.host)
            let subscriber = Subscriber(tenantID: "acme", pluginID: "textkit")
            func installation() async throws -> Installation { try #require(try await tenants.installation("textkit", tenant: "acme", by: .system)) }
            func deliveryInstance() async throws -> PluginInstance { try #require(await host.target(for: subscriber) as? HostedDeliveryTarget).serving.owned.instance }

            let engine = try await host.instance(for: try await installation())
            #expect(engine.identity.version == "1.0.0")
            #expect(try await deliveryInstance() === engine.instance, "the delivery path gets the engine's instance")

            // A real install of a new version, built from source: the next call on either path
            // gets one new instance of the new library; the old one is closed.
            try await Self.publishAndInstall(version: "1.0.1", in: folder)
            let delivered = try await deliveryInstance()
            let updated = try await host.instance(for: try await installation())
            #expect(delivered === updated.instance, "both paths get the same new instance")
            #expect(updated.identity.version == "1.0.1")
            #expect(updated.identity.hash != engine.identity.hash, "a different library file")
            // The loader checks that the descriptor's version is the manifest's: the new code runs.
            #expect(updated.instance.library.manifest.version == "1.0.1")
            #expect(await eventually { (try? await engine.instance.callTool("events_seen", arguments: "{}")) == nil }, "the old instance is closed")

            // A settings change gives a new instance, again the same on both paths.
            _ = try await tenants.configure("textkit", tenant: "acme", with: .object([:]), by: .system)
            let reconfigured = try await host.instance(for: try await installation())
            #expect(reconfigured.instance !== updated.instance)
            #expect(reconfigured.identity == updated.identity)
            #expect(try await deliveryInstance() === reconfigured.instance)

            await host.closeAll()
            await runtime.shutdown()
            await fixture.shutdown()
        }
    }
}

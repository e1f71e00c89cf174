import Foundation
import MarketCore
import MarketServer
import MarketTestSupport
import PluginHosting
import StoreTestSupport
import Testing

extension ServerTests {
    @Suite struct Catalog {
        static let noDatabase = "host=/nonexistent port=1 user=market dbname=market"

        @Test func listsTheBuiltPlugins() async throws {
            let catalog = try await BuiltCatalog.load()
            try await RunningServer.with(database: Self.noDatabase, catalog: catalog) { server in
                let reply = try await server.get("/v1/plugins")
                #expect(reply.status == 200)
                #expect(reply.headers["content-type"] == "application/json")
                let plugins = try #require(try reply.json()["plugins"] as? [[String: Any]])
                let ids = plugins.compactMap { $0["id"] as? String }
                // Every first-party plugin of Plugins/, sorted by id.
                let firstParty = try FileManager.default.contentsOfDirectory(atPath: Repository.root.appendingPathComponent("Plugins").path).sorted()
                #expect(firstParty.contains("crm") && firstParty.contains("hubspot"))
                #expect(ids == firstParty)
            }
        }

        @Test func showsOnePluginAsItsManifestDescribesIt() async throws {
            let catalog = try await BuiltCatalog.load()
            let manifest = try PluginManifest.load(from: Repository.builtPlugins.appendingPathComponent("notes"))
            try await RunningServer.with(database: Self.noDatabase, catalog: catalog) { server in
                let reply = try await server.get("/v1/plugins/notes")
                #expect(reply.status == 200)
                let entry = try reply.json()
                #expect(entry["id"] as? String == "notes")
                #expect(entry["version"] as? String == manifest.version)
                #expect(entry["name"] as? String == manifest.name)
                #expect(entry["summary"] as? String == manifest.summary)
                #expect(entry["kinds"] as? [String] == manifest.kinds.map(\.rawValue))
                let tools = try #require(entry["tools"] as? [[String: Any]])
                #expect(tools.compactMap { $0["name"] as? String } == manifest.tools.map(\.name))
                let permissions = try #require(entry["permissions"] as? [String: Any])
                #expect(permissions["network"] as? [String] == manifest.permissions.network)
                #expect((permissions["events"] as? [String: Any])?["emit"] as? [String] == manifest.permissions.events.emit)
                // The config schema comes through as the manifest has it.
                let schema = try JSONSerialization.data(withJSONObject: try #require(entry["config"]))
                #expect(try JSONValue(parsing: String(decoding: schema, as: UTF8.self)) == manifest.config)
            }
        }

        @Test func readsInstalledPluginsThroughTheirCurrentLink() async throws {
            let state = try temporaryDirectory("server-installed")
            defer { try? FileManager.default.removeItem(at: state) }
            let installed = state.appendingPathComponent("plugins")
            let version = installed.appendingPathComponent("textkit/1.0.0")
            try FileManager.default.createDirectory(at: version.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Repository.builtPlugins.appendingPathComponent("textkit"), to: version)
            try FileManager.default.createSymbolicLink(atPath: installed.appendingPathComponent("textkit/current").path, withDestinationPath: "1.0.0")
            // A folder without a current link (an install in progress) is not a plugin yet.
            try FileManager.default.createDirectory(at: installed.appendingPathComponent("half/0.1.0"), withIntermediateDirectories: true)
            let catalog = BuiltCatalog.load(PluginFolders(stateDirectory: state))
            #expect(await catalog.entries().map(\.id) == ["textkit"])
            #expect(await catalog.entry(id: "textkit")?.kinds == ["tools", "events"])
        }

        @Test func aPluginThatFailsToLoadIsLeftOut() async throws {
            let folder = try temporaryDirectory("server-broken")
            defer { try? FileManager.default.removeItem(at: folder) }
            try FileManager.default.copyItem(at: Repository.builtPlugins.appendingPathComponent("dice"), to: folder.appendingPathComponent("dice"))
            // A manifest naming a library that is not there.
            let broken = folder.appendingPathComponent("broken")
            try FileManager.default.copyItem(at: Repository.builtPlugins.appendingPathComponent("textkit"), to: broken)
            let manifest = broken.appendingPathComponent("plugin.json")
            let text = try String(contentsOf: manifest, encoding: .utf8).replacingOccurrences(of: "libtextkit.so", with: "libmissing.so")
            try text.write(to: manifest, atomically: true, encoding: .utf8)
            let catalog = BuiltCatalog.load(PluginFolders(stateDirectory: nil, developmentFolders: [folder]))
            #expect(await catalog.entries().map(\.id) == ["dice"])
        }
    }
}

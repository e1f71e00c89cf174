import Foundation
import Logging
import MarketCore
import MarketRegistry
import MarketTestSupport
import PluginRuntime
import Synchronization
import Testing

/// The model providers, the CRMs and the MCP bridge as an operator gets them: built from source, packed
/// and signed into a registry by the real `market`, served over HTTP on loopback, installed
/// into a fresh state folder, then loaded from where the install put them.
@Suite(.serialized) struct FirstPartyInstallTests {
    static let firstParty = ["openai", "anthropic", "crm", "amocrm", "bitrix24", "hubspot", "mcp"]
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fakeModels = repository.appendingPathComponent("Tests/Fixtures/fake-llm/server.py").path
    static let mcpServer = repository.appendingPathComponent("Tests/Fixtures/mcp-server/server.py").path

    /// A working configuration of each plugin, as a tenant would give it.
    static func config(_ id: String, modelServer: String = "http://127.0.0.1:9") -> String {
        switch id {
        case "openai": #"{"base_url":"\#(modelServer)/v1","model":"text","max_retries":0}"#
        case "anthropic": #"{"base_url":"\#(modelServer)","model":"text","max_retries":0}"#
        case "crm": "{}"
        case "amocrm": #"{"subdomain":"acme"}"#
        case "bitrix24": #"{"portal_url":"https://acme.bitrix24.ru"}"#
        case "hubspot": "{}"
        default: #"{"servers":[{"name":"t","command":"python3","args":["-u","\#(mcpServer)"]}]}"#
        }
    }

    /// Keys, a registry holding the built first-party plugins, and an HTTP server for it.
    struct Site {
        let folder: TemporaryFolder
        let server: LoopbackServer
        var home: URL { folder.path("home") }
    }

    func market(_ arguments: [String], in directory: URL) async throws -> ProcessOutput {
        try await runProcess(buildProductsDirectory.appendingPathComponent("market").path, arguments, in: directory)
    }

    func makeSite() async throws -> Site {
        let folder = try TemporaryFolder()
        for name in ["root", "online"] {
            let keygen = try await market(["keygen", "--out", "keys", "--name", name], in: folder.url)
            try #require(keygen.status == 0, "\(keygen.stderr)")
        }
        let initialised = try await market(["registry", "init", "site", "--root-key", "keys/root.key", "--key", "keys/online.key"], in: folder.url)
        try #require(initialised.status == 0, "\(initialised.stderr)")
        let build = try await market(["registry", "build", "site", "--key", "keys/online.key", "--plugins", CommandLineTests.builtPlugins.path], in: folder.url)
        try #require(build.status == 0, "\(build.stderr)")
        for id in Self.firstParty {
            #expect(build.stdout.contains("published \(id) 1.0.0"), "build the plugins first: scripts/build-plugins.sh")
        }
        return Site(folder: folder, server: try LoopbackServer(serving: folder.path("site")))
    }

    /// What an install must leave: the package's files, `current` pointing at the version, and
    /// a lock entry pinning the online key that signed it.
    func expectInstalled(_ id: String, in site: Site) throws {
        let plugin = site.home.appendingPathComponent("plugins/\(id)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: plugin.appendingPathComponent("current").path) == "1.0.0")
        let manifest = try PluginManifest.load(from: plugin.appendingPathComponent("1.0.0"))
        #expect(manifest.id == id)
        #expect(FileManager.default.fileExists(atPath: plugin.appendingPathComponent("1.0.0/\(manifest.library)").path))
        let entry = try #require(try LockFile.read(in: site.home).plugins[id])
        #expect(entry.version == "1.0.0")
        #expect(entry.registry == site.server.baseURL)
        let key = try JSONSerialization.jsonObject(with: Data(contentsOf: site.folder.path("keys/online.key"))) as? [String: Any]
        #expect(entry.publisher == key?["keyid"] as? String)
        #expect(entry.artifacts.keys.contains(Platform.current.description))
        #expect(TemporaryFolder.listing(site.home.appendingPathComponent("plugins")).allSatisfy { !$0.contains(".staging") })
    }

    /// The installed `openai` (and `anthropic`), loaded from its install folder, answers a
    /// streamed chat completion from the fake vendor server.
    func expectInstalledProvidersAnswer(in site: Site) async throws {
        let models = try await LoopbackServerProcess.start(["python3", "-u", Self.fakeModels]) { seen in
            seen.split(separator: "\n").first { $0.hasPrefix("listening on ") }.flatMap { Int($0.dropFirst("listening on ".count)) }
        }
        let runtime = PluginRuntime(services: HostServices(logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
        for id in ["openai", "anthropic"] {
            let folder = site.home.appendingPathComponent("plugins/\(id)/current")
            let instance = try await runtime.instantiate(try runtime.load(folder), tenantID: "t1",
                                                         config: Self.config(id, modelServer: "http://127.0.0.1:\(models.port)"))
            let deltas = Mutex<Int>(0)
            let completion = try await instance.complete(request: #"{"messages":[{"role":"user","content":"Say hello"}]}"#) { _ in
                deltas.withLock { $0 += 1 }
                return true
            }
            let result = try JSONValue(parsing: completion.resultJSON)
            #expect(result["message"]?["content"] == .string("Hello!"), "\(id): \(completion.resultJSON)")
            #expect(deltas.withLock { $0 } >= 2, "\(id) streamed no deltas")
            await instance.close()
        }
        await runtime.shutdown()
    }

    @Test func marketInstallInstallsTheFirstPartyPluginsOverHTTP() async throws {
        let site = try await makeSite()
        for id in Self.firstParty {
            let install = try await market(["install", id, "--registry", site.server.baseURL, "--root", "site/root.json",
                                            "--state-dir", site.home.path], in: site.folder.url)
            try #require(install.status == 0, "\(install.stderr)")
            #expect(install.stdout.contains("installed \(id) 1.0.0"))
            try expectInstalled(id, in: site)
        }
        try await expectInstalledProvidersAnswer(in: site)
    }

    @Test func theInstallTransactionInstallsTheFirstPartyPluginsOverHTTPWithAConfiguredProbe() async throws {
        let site = try await makeSite()
        let probed = Mutex<[String]>([])
        // The probe `market install` runs (`market plugin probe` in a child process), given the
        // configuration each plugin needs to start.
        let installer = Installer(folder: site.home) { folder in
            let manifest = try PluginManifest.load(from: folder)
            let probe = try await runProcess(buildProductsDirectory.appendingPathComponent("market").path,
                                             ["plugin", "probe", folder.path, "--config", Self.config(manifest.id),
                                              "--state-dir", site.home.appendingPathComponent("probe").path])
            guard probe.status == 0, case .bool(true)? = try? JSONValue(parsing: probe.stdout.split(separator: "\n").last.map(String.init) ?? "")["ok"] else {
                throw MarketError(.probeFailed, "probe of \(manifest.id) failed: \(probe.stdout) \(probe.stderr)")
            }
            probed.withLock { $0.append(probe.stdout) }
        }
        let source = try RegistrySource(site.server.baseURL)
        for id in Self.firstParty {
            let client = try RegistryClient.open(source, stateDirectory: site.home, root: site.folder.path("site/root.json"))
            let outcome = try await installer.install(id, range: try VersionRange("^1.0"), from: client, source: source.location)
            #expect(outcome == .installed(id: id, version: "1.0.0"))
            try expectInstalled(id, in: site)
        }
        let reports = try probed.withLock { $0 }.map { try JSONValue(parsing: $0.split(separator: "\n").last.map(String.init) ?? "") }
        #expect(reports.map { $0["id"] } == Self.firstParty.map { JSONValue.string($0) as JSONValue? })
        guard let tools = reports.last?["tools"]?.integerValue else { throw MarketError(.probeFailed, "the mcp probe reported no tools") }
        #expect(tools >= 1, "the mcp probe lists the fixture server's tools")
        #expect(site.server.requests.contains { $0.hasPrefix("artifacts/openai-1.0.0-") })
        try await expectInstalledProvidersAnswer(in: site)
    }
}

import Foundation
import MarketCore
import PluginKit
import PluginRuntime
import MarketTestSupport
import Testing

/// The loader's checks: each defect gets its named error, and the host keeps serving the
/// plugins that are fine.
@Suite struct LoaderTests {
    @Test func loadsTheThreeExamplePlugins() throws {
        let runtime = makeRuntime()
        for (id, language) in [("textkit", "c"), ("dice", "rust"), ("notes", "swift")] {
            let library = try runtime.load(try TestPaths.plugin(id))
            #expect(library.id == id)
            #expect(library.manifest.language.rawValue == language)
            #expect(library.capabilities == ["market.tools/1", "market.events/1"])
        }
        #expect(try runtime.load(try TestPaths.plugin("notes")).toolchain == swiftToolchain)
        #expect(try runtime.load(try TestPaths.plugin("dice")).isConcurrent)
    }

    @Test func aWrongABIMajorIsRefused() async throws {
        let folder = try await buildFixture(["FIXTURE_ABI_MAJOR=2"])
        let error = await expectError(.abiIncompatible) { try makeRuntime().load(folder) }
        #expect(error?.message.contains("2.0") == true)
        #expect(error?.fix.isEmpty == false)
    }

    @Test func aPluginDecliningTheHostIsRefused() async throws {
        let folder = try await buildFixture(["FIXTURE_DECLINE"])
        await expectError(.abiIncompatible) { try makeRuntime().load(folder) }
    }

    @Test func aManifestForAnotherABIRangeIsRefusedBeforeLoading() async throws {
        let folder = try await buildFixture { $0["abi"] = "^2.0" }
        await expectError(.abiIncompatible) { try makeRuntime().load(folder) }
    }

    @Test func aMissingEntryPointIsNamed() async throws {
        let folder = try await buildFixture(["FIXTURE_NO_ENTRY"])
        let error = await expectError(.symbolMissing) { try makeRuntime().load(folder) }
        #expect(error?.message.contains("mk_plugin_entry_v1") == true)
    }

    @Test func aTooSmallDescriptorIsRefused() async throws {
        let folder = try await buildFixture(["FIXTURE_SMALL_DESCRIPTOR"])
        await expectError(.abiIncompatible) { try makeRuntime().load(folder) }
    }

    @Test func aDescriptorThatDisagreesWithItsManifestIsRefused() async throws {
        let folder = try await buildFixture(["FIXTURE_ID=\"impostor\""])
        let error = await expectError(.manifestMismatch) { try makeRuntime().load(folder) }
        #expect(error?.message.contains("impostor") == true)
    }

    @Test func aKindWithoutItsCapabilityIsAMismatch() async throws {
        let folder = try await buildFixture { $0["kinds"] = ["tools", "events"] }
        let error = await expectError(.manifestMismatch) { try makeRuntime().load(folder) }
        #expect(error?.message.contains("market.events/1") == true)
    }

    @Test func aLibraryTheLoaderRefusesCarriesTheLoadersText() async throws {
        let folder = try await buildFixture()
        try Data("not an ELF file".utf8).write(to: folder.appendingPathComponent("libfixture.so"))
        let error = await expectError(.loadFailed) { try makeRuntime().load(folder) }
        #expect(error?.message.contains("libfixture.so") == true)
    }

    @Test func aMissingLibraryIsNamed() async throws {
        let folder = try await buildFixture()
        try FileManager.default.removeItem(at: folder.appendingPathComponent("libfixture.so"))
        await expectError(.loadFailed) { try makeRuntime().load(folder) }
    }

    @Test func aSwiftPluginFromAnotherToolchainIsRefusedBeforeItsCodeRuns() async throws {
        let folder = try temporaryDirectory("notes-old")
        let built = try TestPaths.plugin("notes")
        try FileManager.default.copyItem(at: built.appendingPathComponent("libnotes.so"), to: folder.appendingPathComponent("libnotes.so"))
        var manifest = try String(contentsOf: built.appendingPathComponent("plugin.json"), encoding: .utf8)
        manifest = manifest.replacingOccurrences(of: swiftToolchain, with: "swift-5.10")
        try manifest.write(to: folder.appendingPathComponent("plugin.json"), atomically: true, encoding: .utf8)
        let error = await expectError(.toolchainMismatch) { try makeRuntime().load(folder) }
        #expect(error?.message.contains("swift-5.10") == true)
    }

    @Test func aBadManifestFieldIsNamed() async throws {
        let folder = try await buildFixture { $0["permissions"] = ["network": ["https://api.example.com/v1"]] }
        let error = await expectError(.manifestInvalid) { try makeRuntime().load(folder) }
        #expect(error?.message.contains("permissions.network[0]") == true)
    }

    @Test func brokenPluginsDoNotStopTheOthers() async throws {
        let root = try temporaryDirectory("plugins")
        let fileManager = FileManager.default
        try fileManager.copyItem(at: try await buildFixture(["FIXTURE_ABI_MAJOR=3"]), to: root.appendingPathComponent("a-broken"))
        try fileManager.copyItem(at: try await buildFixture(["FIXTURE_NO_ENTRY"]), to: root.appendingPathComponent("b-broken"))
        try fileManager.copyItem(at: try TestPaths.plugin("textkit"), to: root.appendingPathComponent("textkit"))
        try fileManager.createDirectory(at: root.appendingPathComponent("c-bad-json"), withIntermediateDirectories: true)
        try Data("{".utf8).write(to: root.appendingPathComponent("c-bad-json/plugin.json"))

        let runtime = makeRuntime()
        let results = runtime.loadAll(in: root)
        #expect(results.count == 4)
        let codes = results.compactMap { result -> String? in if case .failure(let error) = result { return error.code.rawValue } else { return nil } }
        #expect(codes == ["ABI_INCOMPATIBLE", "SYMBOL_MISSING", "MANIFEST_INVALID"])
        let textkit = try #require(try results.last?.get())
        let instance = try await runtime.instantiate(textkit, tenantID: "t1")
        let counted = try await instance.callTool("word_count", arguments: #"{"text":"still serving"}"#)
        #expect(counted.contains(#""words":2"#))
        await instance.close()
        await runtime.shutdown()
    }
}

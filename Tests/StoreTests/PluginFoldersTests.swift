import Foundation
import MarketCore
import MarketTestSupport
import PluginHosting
import StoreTestSupport
import Testing

/// The owner's one precedence rule for a plugin's folder (docs/decisions.md, "One owner of
/// plugin identity"): development folders, in the order given, then the installed plugin.
@Suite struct PluginFoldersTests {
    /// A state directory and two development folders, empty.
    struct Layout {
        let root: URL
        var state: URL { root.appendingPathComponent("state") }
        var first: URL { root.appendingPathComponent("dev-a") }
        var second: URL { root.appendingPathComponent("dev-b") }

        init() throws { root = try temporaryDirectory("plugin-folders") }

        /// `<state>/plugins/<id>/<version>` with a `current` link to it, as `market install` leaves it.
        func install(_ id: String, version: String) throws {
            let folder = state.appendingPathComponent("plugins/\(id)/\(version)")
            try write(id, version: version, in: folder)
            let current = state.appendingPathComponent("plugins/\(id)/current")
            try? FileManager.default.removeItem(at: current)
            try FileManager.default.createSymbolicLink(atPath: current.path, withDestinationPath: version)
        }

        func develop(_ id: String, version: String, in parent: URL) throws {
            try write(id, version: version, in: parent.appendingPathComponent(id))
        }

        private func write(_ id: String, version: String, in folder: URL) throws {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let manifest = """
                {"id": "\(id)", "version": "\(version)", "name": "\(id)", "summary": "A test plugin.", "publisher": "tests",
                 "license": "MIT", "kinds": ["tools"], "language": "c", "abi": "^1.0", "library": "lib\(id).so"}
                """
            try Data(manifest.utf8).write(to: folder.appendingPathComponent("plugin.json"))
        }

        func folders(_ development: [URL]) -> PluginFolders { PluginFolders(stateDirectory: state, developmentFolders: development) }
    }

    @Test func theInstalledPluginServesWhenNoDevelopmentFolderHasIt() throws {
        let layout = try Layout()
        try layout.install("crm", version: "1.0.0")
        let folders = layout.folders([layout.first])
        #expect(folders.folder(of: "crm")?.lastPathComponent == "1.0.0")
        #expect(try folders.manifest(for: "crm")?.version == "1.0.0")
        #expect(!folders.shadowsInstalled("crm"))
    }

    @Test func aDevelopmentFolderServesWhenNothingIsInstalled() throws {
        let layout = try Layout()
        try layout.develop("crm", version: "2.0.0-dev", in: layout.first)
        #expect(try layout.folders([layout.first]).manifest(for: "crm")?.version == "2.0.0-dev")
    }

    @Test func aDevelopmentFolderWinsOverTheInstalledPlugin() throws {
        let layout = try Layout()
        try layout.install("crm", version: "1.0.0")
        try layout.develop("crm", version: "2.0.0-dev", in: layout.first)
        let folders = layout.folders([layout.first])
        #expect(try folders.manifest(for: "crm")?.version == "2.0.0-dev")
        #expect(folders.shadowsInstalled("crm"))
        // Without the development folder, the installed one serves again.
        #expect(try layout.folders([]).manifest(for: "crm")?.version == "1.0.0")
    }

    @Test func theFirstDevelopmentFolderGivenWins() throws {
        let layout = try Layout()
        try layout.develop("crm", version: "1.1.0", in: layout.first)
        try layout.develop("crm", version: "1.2.0", in: layout.second)
        #expect(try layout.folders([layout.first, layout.second]).manifest(for: "crm")?.version == "1.1.0")
        #expect(try layout.folders([layout.second, layout.first]).manifest(for: "crm")?.version == "1.2.0")
    }

    @Test func noFolderAndBadIDsResolveToNothing() throws {
        let layout = try Layout()
        try layout.install("crm", version: "1.0.0")
        let folders = layout.folders([layout.first])
        #expect(folders.folder(of: "absent") == nil)
        #expect(try folders.manifest(for: "absent") == nil)
        #expect(folders.folder(of: "../state") == nil, "not an identifier")
        // A version folder without a current link (an install in progress) is not a plugin yet.
        try FileManager.default.createDirectory(at: layout.state.appendingPathComponent("plugins/half/0.1.0"), withIntermediateDirectories: true)
        #expect(folders.pluginIDs() == ["crm"])
    }

    @Test func anInstallOrUpdateIsSeenAtTheNextCall() throws {
        let layout = try Layout()
        let folders = layout.folders([])
        #expect(folders.folder(of: "crm") == nil)
        try layout.install("crm", version: "1.0.0")
        #expect(try folders.manifest(for: "crm")?.version == "1.0.0")
        try layout.install("crm", version: "1.1.0")
        #expect(try folders.manifest(for: "crm")?.version == "1.1.0")
    }

    @Test func aFolderDeclaringAnotherIDIsRefused() throws {
        let layout = try Layout()
        try layout.develop("crm", version: "1.0.0", in: layout.first)
        try FileManager.default.moveItem(at: layout.first.appendingPathComponent("crm"), to: layout.first.appendingPathComponent("other"))
        let error = #expect(throws: MarketError.self) { try layout.folders([layout.first]).manifest(for: "other") }
        #expect(error?.code == .manifestInvalid)
    }
}

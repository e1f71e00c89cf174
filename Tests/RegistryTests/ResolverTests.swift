import Foundation
import MarketCore
import MarketRegistry
import PluginRuntime
import Testing

/// Dependencies between plugins, resolved against a registry in a folder and installed in one
/// transaction.
@Suite struct ResolverTests {
    @Test func aDependencyIsInstalledWithThePluginAndLocked() async throws {
        let registry = try TestRegistry()
        for version in ["1.0.0", "1.3.0", "2.0.0"] { try registry.publish("base", version) }
        try registry.publish("demo", "1.0.0", dependencies: ["base": "^1.2"])
        let outcomes = try await registry.install("demo")
        #expect(Set(outcomes) == [.installed(id: "demo", version: "1.0.0"), .installed(id: "base", version: "1.3.0")])
        let lock = try registry.lock()
        #expect(lock.plugins["demo"]?.dependencies == ["base": "^1.2"])
        #expect(lock.plugins["demo"]?.requested == true)
        #expect(lock.plugins["base"]?.requested == false)
        #expect(registry.current("base") == "1.3.0")
    }

    @Test func theSearchBacktracksToAnOlderVersionWhoseDependenciesCanBeMet() async throws {
        let registry = try TestRegistry()
        try registry.publish("base", "1.0.0")
        try registry.publish("demo", "1.0.0", dependencies: ["base": "^1.0"])
        try registry.publish("demo", "1.1.0", dependencies: ["base": ">=3.0"])
        let outcomes = try await registry.install("demo")
        #expect(Set(outcomes) == [.installed(id: "demo", version: "1.0.0"), .installed(id: "base", version: "1.0.0")])
    }

    @Test func aConflictIsExplainedInSentencesAndNothingChanges() async throws {
        let registry = try TestRegistry()
        try registry.publish("base", "1.0.0")
        try registry.publish("base", "2.0.0")
        try registry.publish("other", "1.0.0", dependencies: ["base": "^1.0"])
        try registry.publish("demo", "2.0.0", dependencies: ["base": ">=2.0"])
        try await registry.install("other")
        let before = registry.homeTree()
        let error = await #expect(throws: MarketError.self) { try await registry.install("demo") }
        #expect(error?.code == .dependencyConflict)
        #expect(error?.message.contains("because demo 2.0.0 needs base >=2.0, but base 1.0.0 is installed and stays") == true, "\(error?.message ?? "")")
        #expect(registry.homeTree() == before)
    }

    @Test func aMissingDependencyIsNamed() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0", dependencies: ["ghost": "^1.0"])
        try FileManager.default.createDirectory(at: registry.home, withIntermediateDirectories: true)
        let error = await #expect(throws: MarketError.self) { try await registry.install("demo") }
        #expect(error?.code == .dependencyConflict)
        #expect(error?.message.contains("demo 1.0.0 needs ghost ^1.0, but the registry has no plugin ghost") == true, "\(error?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: registry.home.appendingPathComponent("market.lock").path))
    }

    @Test func dependenciesRespectTheHostsABIAndSkipYankedVersions() async throws {
        let registry = try TestRegistry()
        try registry.publish("base", "1.0.0")
        try registry.publish("base", "1.1.0")
        try registry.publish("base", "1.2.0", abi: "^2.0")
        try registry.writer().yank(id: "base", version: "1.1.0", reason: "broken")
        try registry.publish("demo", "1.0.0", dependencies: ["base": "^1.0"])
        let outcomes = try await registry.install("demo")
        #expect(outcomes.contains(.installed(id: "base", version: "1.0.0")))
    }

    @Test func aYankedVersionStaysAcceptableWhileLocked() async throws {
        let registry = try TestRegistry()
        try registry.publish("base", "1.1.0")
        try await registry.install("base", "=1.1.0")
        try registry.publish("base", "1.0.0")
        try registry.writer().yank(id: "base", version: "1.1.0", reason: "broken")
        try registry.publish("demo", "1.0.0", dependencies: ["base": "^1.0"])
        let outcomes = try await registry.install("demo")
        #expect(outcomes == [.installed(id: "demo", version: "1.0.0")])
        #expect(try registry.lock().plugins["base"]?.version == "1.1.0")
    }

    @Test func aLoneRequestKeepsItsSpecificError() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0", abi: "^2.0")
        let error = await #expect(throws: MarketError.self) { try await registry.install("demo") }
        #expect(error?.code == .abiIncompatible)
    }

    @Test func theResolverExplainsEveryWayThatFailed() throws {
        func version(_ text: String, needs: [String: String]) throws -> String {
            let needsJSON = needs.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ",")
            return """
            {"version": "\(text)", "name": "n", "summary": "s", "kinds": ["tools"], "abi": "^1.0", "permissions": "p", "publisher": "k",
             "yanked": false, "dependencies": {\(needsJSON)},
             "artifacts": {"linux-x86_64": {"os": "linux", "arch": "x86_64", "file": "artifacts/x", "sha256": "00", "size": 1}}}
            """
        }
        func index(_ id: String, _ versions: [String]) throws -> IndexMetadata {
            try JSONDecoder().decode(IndexMetadata.self, from: Data("{\"type\": \"index\", \"id\": \"\(id)\", \"version\": 1, \"publishers\": {}, \"versions\": [\(versions.joined(separator: ","))]}".utf8))
        }
        let resolver = Resolver(indexes: [
            "app": try index("app", [try version("2.0.0", needs: ["a": "^1.0", "b": "^1.0"]), try version("1.0.0", needs: ["b": ">=5.0"])]),
            "a": try index("a", [try version("1.0.0", needs: ["b": "^2.0"])]),
            "b": try index("b", [try version("1.0.0", needs: [:]), try version("2.0.0", needs: [:])]),
        ], host: Platform(os: "linux", arch: "x86_64"), hostABI: SemanticVersion(1, 0, 0))
        let error = #expect(throws: MarketError.self) { try resolver.resolve([("app", nil)]) }
        let message = error?.message ?? ""
        #expect(error?.code == .dependencyConflict)
        #expect(message.contains("because app 2.0.0 needs b ^1.0, but b 2.0.0 was chosen because a 1.0.0 needs b ^2.0"), "\(message)")
        #expect(message.contains("because app 1.0.0 needs b >=5.0, but no published version of b >=5.0 exists (published: 1.0.0, 2.0.0)"), "\(message)")
    }
}

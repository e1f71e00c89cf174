import Foundation
import MarketCore
import Testing

/// plugin.json's `dependencies`: plugin ids with version ranges, checked when the manifest is
/// read, so a package with a bad one never reaches a registry.
@Suite struct ManifestDependencyTests {
    private func parse(_ dependencies: String) throws -> PluginManifest {
        let text = PluginFixture.manifest(id: "demo", version: "1.0.0").replacingOccurrences(of: "\"dependencies\": {}", with: "\"dependencies\": \(dependencies)")
        return try PluginManifest.parse(Data(text.utf8))
    }

    @Test func dependenciesAreReadAndDefaultToNone() throws {
        #expect(try parse(#"{"acme-base": "^1.2", "other": ">=2.0 <3.0"}"#).dependencies == ["acme-base": "^1.2", "other": ">=2.0 <3.0"])
        #expect(try parse("null").dependencies == [:])
    }

    @Test(arguments: [
        (#"{"Acme": "^1.0"}"#, "field 'dependencies.Acme' is not a plugin id"),
        (#"{"demo": "^1.0"}"#, "field 'dependencies.demo' names the plugin itself"),
        (#"{"acme-base": "one"}"#, "field 'dependencies.acme-base' is not a version range"),
    ])
    func aBadDependencyIsMANIFEST_INVALIDNamingTheField(_ dependencies: String, _ message: String) throws {
        let error = #expect(throws: MarketError.self) { try parse(dependencies) }
        #expect(error?.code == .manifestInvalid)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }
}

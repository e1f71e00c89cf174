import Foundation
import MarketCore
import PropertyBased
import Testing

/// plugin.json parsing with shrinking generators: any valid manifest reads back field for field
/// and survives a round trip through the encoder; a bad id is refused with MANIFEST_INVALID.
@Suite struct ManifestPropertyTests {
    /// The parts of a valid manifest that vary; the rest is fixed per language.
    struct Parts: Sendable, CustomStringConvertible {
        var id: String
        var version: SemanticVersion
        var name: String
        var kinds: [PluginManifest.Kind]
        var language: PluginManifest.Language
        var secrets: [String]
        var tools: [String]
        var dependencies: [String: String]

        var json: JSONValue {
            var object: [String: JSONValue] = [
                "id": .string(id), "version": .string(version.description), "name": .string(name), "summary": .string(name),
                "publisher": .string("Acme \"Inc.\""), "license": .string("MIT"),
                "kinds": .array(kinds.map { .string($0.rawValue) }), "language": .string(language.rawValue),
                "abi": .string("^1.0"), "library": .string("lib/\(id).so"),
                "permissions": .object(["secrets": .array(secrets.map(JSONValue.string)), "ingress": .bool(kinds.contains(.ingress))]),
                "tools": .array(tools.map { .object(["name": .string($0), "description": .string(name)]) }),
                "dependencies": .object(dependencies.mapValues(JSONValue.string)),
            ]
            if language == .swift { object["toolchain"] = .string("swift-6.3.1") }
            return .object(object)
        }

        var description: String { json.jsonText }
    }

    static func text(_ characters: String, length: ClosedRange<Int>) -> Generator<String, CoreGen.IndicesShrink> {
        CoreGen.text(characters, length: length)
    }

    static let id = zip(text("abz", length: 1...1), text("ab09-", length: 1...20)).map { first, rest in first + rest + "x" }
    static let kinds = Gen.bool.array(of: 4).map { chosen in
        let kinds = zip(PluginManifest.Kind.allCases, chosen).filter(\.1).map(\.0)
        return kinds.isEmpty ? [PluginManifest.Kind.tools] : kinds
    }
    /// Display text with what JSON must escape and text outside ASCII.
    static let name = text("Ab 9\"\\/\né😀\t", length: 0...40).map { "N" + $0 }
    static let toolName = text("ab_.-Z9", length: 1...20)
    static let parts = zip(
        id, CoreGen.version, name, kinds, CoreGen.pick(PluginManifest.Language.allCases),
        toolName.array(of: 0...4), toolName.array(of: 0...4), zip(id, CoreGen.version).array(of: 0...3)
    ).map { id, version, name, kinds, language, secrets, tools, dependencies in
        Parts(id: id, version: version, name: name, kinds: kinds, language: language, secrets: secrets, tools: tools,
              dependencies: Dictionary(dependencies.filter { $0.0 != id }.map { ($0.0, "^\($0.1)") }) { first, _ in first })
    }

    @Test func aValidManifestReadsBackFieldForField() async throws {
        await propertyCheck(count: 500, input: Self.parts) { parts throws in
            let manifest = try PluginManifest.parse(Data(parts.json.jsonText.utf8))
            #expect(manifest.id == parts.id)
            #expect(SemanticVersion(manifest.version) == parts.version)
            #expect(manifest.name == parts.name && manifest.summary == parts.name)
            #expect(manifest.publisher == "Acme \"Inc.\"")
            #expect(manifest.kinds == parts.kinds && manifest.language == parts.language)
            #expect(manifest.permissions.secrets == parts.secrets)
            #expect(manifest.tools.map(\.name) == parts.tools)
            #expect(manifest.dependencies == parts.dependencies)
            #expect(manifest.toolchain == (parts.language == .swift ? "swift-6.3.1" : nil))
            // Encoding and parsing again gives the same manifest.
            #expect(try PluginManifest.parse(JSONEncoder().encode(manifest)) == manifest)
        }
    }

    /// An id that is not 2–64 of a–z 0–9 '-' starting with a letter is refused, naming the field.
    static let badIdEdits: [(prefix: String, suffix: String)] = [
        ("", "-"), ("", "A"), ("", "_"), ("", "."), ("", "é"), ("9", ""), ("-", ""), ("A", ""), ("", String(repeating: "a", count: 64)),
    ]

    @Test func aBadIdIsRefused() async throws {
        await propertyCheck(count: 300, input: Self.parts, Gen.int(in: 0...(Self.badIdEdits.count - 1))) { parts, edit throws in
            var broken = parts
            broken.id = Self.badIdEdits[edit].prefix + parts.id + Self.badIdEdits[edit].suffix
            let error = #expect(throws: MarketError.self) { try PluginManifest.parse(Data(broken.json.jsonText.utf8)) }
            #expect(error?.code == .manifestInvalid)
            #expect(error?.message.contains("field 'id'") == true, "\(broken.id): \(error?.message ?? "")")
        }
    }
}

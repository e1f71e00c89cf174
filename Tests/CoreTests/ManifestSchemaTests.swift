import Foundation
@testable import MarketCore
import Testing

/// docs/plugin-manifest.schema.json must describe the fields the decoder reads.
@Suite struct ManifestSchemaTests {
    static func schema() throws -> [String: Any] {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("docs/plugin-manifest.schema.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The fields whose absence the decoder reports as `field '…' is required`, found by
    /// removing each field of a complete manifest in turn.
    static func fieldsTheDecoderRequires() throws -> Set<String> {
        var required: Set<String> = []
        for field in PluginManifest.fieldNames {
            let data = try SampleManifest.data(with: [Edit(field, nil)])
            do {
                _ = try JSONDecoder().decode(PluginManifest.self, from: data)
            } catch DecodingError.keyNotFound(let key, _) {
                #expect(key.stringValue == field)
                required.insert(field)
            }
        }
        return required
    }

    @Test func theSchemaListsExactlyTheManifestFields() throws {
        let properties = try #require(try Self.schema()["properties"] as? [String: Any])
        #expect(Set(properties.keys) == Set(PluginManifest.fieldNames))
        #expect(PluginManifest.fieldNames.count == Set(PluginManifest.fieldNames).count)
    }

    @Test func theSchemaRequiresWhatTheDecoderRequires() throws {
        let required = try #require(try Self.schema()["required"] as? [String])
        #expect(required.count == Set(required).count)
        #expect(Set(required) == (try Self.fieldsTheDecoderRequires()))
        #expect(Set(required) == ["id", "version", "name", "summary", "publisher", "license", "kinds", "language", "abi", "library"])
    }

    @Test func theSchemaAcceptsUnknownFields() throws {
        #expect(try Self.schema()["additionalProperties"] as? Bool == true)
    }

    @Test func theSchemaListsTheKindsAndLanguages() throws {
        let properties = try #require(try Self.schema()["properties"] as? [String: Any])
        let kinds = try #require(((properties["kinds"] as? [String: Any])?["items"] as? [String: Any])?["enum"] as? [String])
        #expect(kinds == PluginManifest.Kind.allCases.map(\.rawValue))
        let languages = try #require((properties["language"] as? [String: Any])?["enum"] as? [String])
        #expect(languages == PluginManifest.Language.allCases.map(\.rawValue))
    }

    @Test func theSchemaListsThePermissionFields() throws {
        let properties = try #require(try Self.schema()["properties"] as? [String: Any])
        let permissions = try #require((properties["permissions"] as? [String: Any])?["properties"] as? [String: Any])
        #expect(Set(permissions.keys) == ["network", "secrets", "events", "ingress", "processes"])
        let events = try #require((permissions["events"] as? [String: Any])?["properties"] as? [String: Any])
        #expect(Set(events.keys) == ["subscribe", "emit"])
        let tool = try #require((properties["tools"] as? [String: Any])?["items"] as? [String: Any])
        #expect(Set(try #require(tool["properties"] as? [String: Any]).keys) == ["name", "description"])
        #expect(Set(try #require(tool["required"] as? [String])) == ["name", "description"])
    }

    // MARK: - The schema's patterns agree with the checks of the host

    /// A string field's `pattern` in the schema, the host's own check, and values to try.
    struct PatternCase: Sendable, CustomTestStringConvertible {
        let path: [String]
        let check: @Sendable (String) -> Bool
        let samples: [String]
        var testDescription: String { path.joined(separator: ".") }
    }

    static let patternCases: [PatternCase] = [
        PatternCase(path: ["properties", "id"], check: PluginManifest.isIdentifier, samples: [
            "ab", "acme-crm", "a1", "a-1", "x" + String(repeating: "y", count: 63), "a", "", "1a", "-a", "a-", "Ab", "a_b", "a.b", "a b", "café",
            "x" + String(repeating: "y", count: 64),
        ]),
        PatternCase(path: ["properties", "version"], check: { SemanticVersion($0) != nil }, samples: [
            "1.0.0", "0.0.0", "2.1.0-beta.1", "1.0.0+20260101", "1.0.0-x-y.--+b-1", "999999999.0.0", "1.0", "v1.0.0", "01.0.0", "1.0.0-",
            "1.0.0+", "1.0.0-a..b", "1000000000.0.0", "1.0.0-é", "1.0.0 ",
        ]),
        PatternCase(path: ["properties", "abi"], check: { (try? VersionRange($0)) != nil }, samples: [
            "^1.0", ">=1.0 <2.0", "*", "1.4.0", "=1.4", "~1.2.3", "^1 || ^2", "^1||^2", " \t^1.0 \t", ">=1.0.0-rc.1 <2", "1.2.3+b",
            "", "||", "^1.0 ||", ">= 1.0", "1.x", "^01", "1.2-beta", "^1.0\t^2.0", "=*", "**", "^1.0 | ^2.0", "1.2.3.4",
        ]),
        PatternCase(path: ["properties", "library"], check: PluginManifest.isRelativeLibraryPath, samples: [
            "libx.so", "lib/libx.so", "a/b/libx.dylib", "lib..x.so", ".so", "/libx.so", "../libx.so", "lib/../x.so", "./x.so", "lib/./x.so",
            "a//b.so", "lib/", "libx.so.1", "libx.dll", "",
        ]),
        PatternCase(path: ["properties", "toolchain"], check: PluginManifest.isSwiftToolchain, samples: [
            "swift-6.3", "swift-6.3.1", "swift-0.0", "swift6", "swift-6", "swift-06.3", "swift-6.3.1.2", "6.3.1", "Swift-6.3", "swift-6.3.",
        ]),
        PatternCase(path: ["properties", "permissions", "properties", "network", "items"], check: NetworkPermission.isValidPattern, samples: [
            "api.example.com", "*.example.com", "127.0.0.1:8080", "API.Example.com", "a:65535", "localhost", "https://x", "x/y", "", "*.", "*",
            "x:0", "x:65536", "a..b", "[::1]", "ex_ample.com", String(repeating: "a", count: 64),
        ]),
        PatternCase(path: ["properties", "permissions", "properties", "secrets", "items"], check: PluginManifest.isToolName, samples: [
            "api_key", "A.b-c_9", String(repeating: "k", count: 64), "", "api key", String(repeating: "k", count: 65), "ключ",
        ]),
        PatternCase(path: ["properties", "permissions", "properties", "events", "properties", "subscribe", "items"],
                    check: { EventTypePattern($0) != nil }, samples: [
            "*", "lead.*", "lead.created", "a_b.c-d", String(repeating: "a", count: 128) + ".*", "", "Lead.*", "lead.*.*", "*.lead", ".*", "lead.",
            String(repeating: "a", count: 129),
        ]),
        PatternCase(path: ["properties", "permissions", "properties", "events", "properties", "emit", "items"],
                    check: EventTypePattern.isValidType, samples: [
            "lead.created", "a", String(repeating: "a", count: 128), "*", "lead.*", "", "Lead", "a..b", String(repeating: "a", count: 129),
        ]),
        PatternCase(path: ["properties", "tools", "items", "properties", "name"], check: PluginManifest.isToolName, samples: [
            "note_add", "crm.find-contact_2", "", "add note", String(repeating: "t", count: 65),
        ]),
        PatternCase(path: ["properties", "name"], check: { !$0.trimmingSpaces.isEmpty }, samples: ["Acme", " a ", "", " ", "\t \t"]),
    ]

    static func pattern(at path: [String]) throws -> NSRegularExpression {
        var node: Any = try schema()
        for key in path { node = try #require((node as? [String: Any])?[key], "no \(key) in \(path)") }
        let pattern = try #require((node as? [String: Any])?["pattern"] as? String, "no pattern at \(path)")
        return try NSRegularExpression(pattern: pattern)
    }

    /// JSON Schema patterns match anywhere in the value unless anchored.
    static func matches(_ expression: NSRegularExpression, _ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    @Test(arguments: patternCases)
    func theSchemaPatternAgreesWithTheHost(_ test: PatternCase) throws {
        let expression = try Self.pattern(at: test.path)
        var accepted = 0
        for sample in test.samples {
            let host = test.check(sample)
            if host { accepted += 1 }
            #expect(Self.matches(expression, sample) == host, "\(sample.debugDescription): the host says \(host)")
        }
        #expect(accepted > 0 && accepted < test.samples.count, "the samples should include values on both sides")
    }

    /// The host reads a port as plain digits without a sign or leading zeros.
    @Test(arguments: ["x:+80", "x:080", "*.example.com:0443"])
    func theSchemaRefusesPortsTheHostRefuses(_ sample: String) throws {
        let expression = try Self.pattern(at: ["properties", "permissions", "properties", "network", "items"])
        #expect(!NetworkPermission.isValidPattern(sample))
        #expect(!Self.matches(expression, sample))
    }
}

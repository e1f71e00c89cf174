import Foundation
import MarketCore
import Testing

/// The package root, found from this file's path (Tests/CoreTests/ManifestTests.swift).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A valid manifest of a C plugin that uses every field, and helpers to change it.
enum SampleManifest {
    static let text = #"""
    {
      "id": "acme-crm",
      "version": "1.2.0",
      "name": "Acme CRM",
      "summary": "Creates leads in Acme CRM and keeps contacts in sync.",
      "publisher": "Acme Inc.",
      "license": "Apache-2.0",
      "kinds": ["tools", "events", "ingress"],
      "language": "c",
      "abi": "^1.0",
      "library": "libacme_crm.so",
      "permissions": {
        "network": ["api.acme.example", "*.acme-cdn.example:443"],
        "secrets": ["acme_api_key"],
        "events": { "subscribe": ["lead.*"], "emit": ["lead.synced"] },
        "ingress": true
      },
      "config": {
        "type": "object",
        "properties": { "region": { "type": "string", "enum": ["eu", "us"], "default": "eu" } },
        "required": ["region"]
      },
      "tools": [
        { "name": "crm_create_lead", "description": "Create a lead in Acme CRM." },
        { "name": "crm.find-contact_2", "description": "" }
      ]
    }
    """#

    static var object: [String: Any] {
        // The text is a constant; a failure here is a mistake in this file.
        try! JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }

    /// `object` with `edits` applied: each sets the value at a dotted key path to the JSON in
    /// `json`, or removes the key when `json` is nil.
    static func object(with edits: [Edit]) throws -> [String: Any] {
        var object = object
        for edit in edits {
            let value = try edit.json.map { try JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed]) }
            set(&object, path: edit.path.split(separator: ".").map(String.init)[...], to: value)
        }
        return object
    }

    static func data(with edits: [Edit]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object(with: edits))
    }

    private static func set(_ object: inout [String: Any], path: ArraySlice<String>, to value: Any?) {
        guard let key = path.first else { return }
        if path.count == 1 {
            object[key] = value
        } else {
            var child = object[key] as? [String: Any] ?? [:]
            set(&child, path: path.dropFirst(), to: value)
            object[key] = child
        }
    }
}

/// One change to `SampleManifest`: the JSON to write at a dotted key path, or nil to remove it.
struct Edit: Sendable, CustomStringConvertible {
    let path: String
    let json: String?
    init(_ path: String, _ json: String?) {
        self.path = path
        self.json = json
    }
    var description: String { "\(path) = \(json ?? "(removed)")" }
}

/// A manifest change that must be refused, and what the message must say.
struct Fault: Sendable, CustomTestStringConvertible {
    let edits: [Edit]
    /// The field path the message must name, as `field '<path>'`.
    let field: String
    /// Text the message must contain after the field.
    let problem: String
    var testDescription: String { "\(field): " + edits.map(\.description).joined(separator: ", ") }

    init(_ field: String, _ problem: String, edits: [Edit]) {
        self.field = field
        self.problem = problem
        self.edits = edits
    }

    init(_ field: String, _ problem: String, _ edits: Edit...) {
        self.init(field, problem, edits: edits)
    }
}

@Suite struct ManifestTests {
    func refusal(_ data: Data, source: String = "plugin.json") throws -> MarketError {
        try #require(throws: MarketError.self) { try PluginManifest.parse(data, source: source) }
    }

    func expectRefused(_ fault: Fault, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let error = try refusal(SampleManifest.data(with: fault.edits))
        #expect(error.code == .manifestInvalid, sourceLocation: sourceLocation)
        #expect(error.message.hasPrefix("plugin.json: field '\(fault.field)' "), "\(error.message)", sourceLocation: sourceLocation)
        #expect(error.message.contains(fault.problem), "\(error.message)", sourceLocation: sourceLocation)
        #expect(!error.fix.isEmpty, sourceLocation: sourceLocation)
    }

    // MARK: - Valid manifests

    @Test(arguments: ["dice", "notes", "textkit"])
    func theExamplePluginsLoad(_ id: String) throws {
        let folder = packageRoot.appendingPathComponent("Plugins/\(id)")
        let manifest = try PluginManifest.load(from: folder)
        #expect(manifest.id == id)
        #expect(SemanticVersion(manifest.version) != nil)
        #expect(try VersionRange(manifest.abi).contains(SemanticVersion(1, 0, 0)))
        #expect(manifest.library.hasSuffix(".so"))
        #expect(!manifest.kinds.isEmpty)
        #expect(!manifest.tools.isEmpty)
        try manifest.validate()
        #expect(manifest == (try PluginManifest.parse(Data(contentsOf: folder.appendingPathComponent("plugin.json")))))
        // The file itself, rather than its folder, loads the same.
        #expect(try PluginManifest.load(from: folder.appendingPathComponent("plugin.json")) == manifest)
    }

    @Test func everyPluginFolderHasAValidManifest() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Plugins").path)
            .filter { FileManager.default.fileExists(atPath: packageRoot.appendingPathComponent("Plugins/\($0)/plugin.json").path) }
        #expect(Set(folders).isSuperset(of: ["dice", "notes", "textkit"]))
        for folder in folders {
            #expect(throws: Never.self, "Plugins/\(folder)") { try PluginManifest.load(from: packageRoot.appendingPathComponent("Plugins/\(folder)")) }
        }
    }

    @Test func theExamplePluginsDeclareTheirLanguages() throws {
        let notes = try PluginManifest.load(from: packageRoot.appendingPathComponent("Plugins/notes"))
        #expect(notes.language == .swift)
        #expect(notes.toolchain == "swift-6.3.1")
        let textkit = try PluginManifest.load(from: packageRoot.appendingPathComponent("Plugins/textkit"))
        #expect(textkit.language == .c)
        #expect(textkit.toolchain == nil)
        #expect(textkit.permissions.network == ["127.0.0.1", "localhost"])
        #expect(textkit.permissions.events.emit.isEmpty)
        let dice = try PluginManifest.load(from: packageRoot.appendingPathComponent("Plugins/dice"))
        #expect(dice.language == .rust)
        #expect(dice.permissions.events.emit == ["dice.rolled"])
    }

    @Test func theDocumentedExampleIsValid() throws {
        let markdown = try String(contentsOf: packageRoot.appendingPathComponent("docs/plugin-manifest.md"), encoding: .utf8)
        let block = try #require(markdown.firstMatch(of: /```json\n(?<json>[\s\S]*?)```/)?.json)
        let manifest = try PluginManifest.parse(Data(block.utf8))
        #expect(manifest.id == "acme-crm")
        #expect(manifest.permissions.ingress)
    }

    @Test func everyFieldIsRead() throws {
        let manifest = try PluginManifest.parse(Data(SampleManifest.text.utf8))
        #expect(manifest.id == "acme-crm")
        #expect(manifest.version == "1.2.0")
        #expect(manifest.name == "Acme CRM")
        #expect(manifest.summary == "Creates leads in Acme CRM and keeps contacts in sync.")
        #expect(manifest.publisher == "Acme Inc.")
        #expect(manifest.license == "Apache-2.0")
        #expect(manifest.kinds == [.tools, .events, .ingress])
        #expect(manifest.language == .c)
        #expect(manifest.abi == "^1.0")
        #expect(manifest.library == "libacme_crm.so")
        #expect(manifest.toolchain == nil)
        #expect(manifest.permissions.network == ["api.acme.example", "*.acme-cdn.example:443"])
        #expect(manifest.permissions.secrets == ["acme_api_key"])
        #expect(manifest.permissions.events.subscribe == ["lead.*"])
        #expect(manifest.permissions.events.emit == ["lead.synced"])
        #expect(manifest.permissions.ingress)
        #expect(manifest.config?["required"] == .array([.string("region")]))
        #expect(manifest.tools.map(\.name) == ["crm_create_lead", "crm.find-contact_2"])
        #expect(manifest.tools.map(\.description) == ["Create a lead in Acme CRM.", ""])
    }

    @Test func optionalFieldsMayBeAbsent() throws {
        let edits = ["toolchain", "permissions", "config", "tools"].map { Edit($0, nil) } + [Edit("kinds", #"["model"]"#)]
        let manifest = try PluginManifest.parse(SampleManifest.data(with: edits))
        #expect(manifest.permissions == PluginManifest.Permissions())
        #expect(manifest.permissions.network.isEmpty && manifest.permissions.secrets.isEmpty)
        #expect(manifest.permissions.events.subscribe.isEmpty && manifest.permissions.events.emit.isEmpty)
        #expect(!manifest.permissions.ingress)
        #expect(manifest.config == nil)
        #expect(manifest.tools.isEmpty)
    }

    @Test func optionalFieldsSetToNullAreAbsent() throws {
        let edits = ["toolchain", "permissions", "config", "tools"].map { Edit($0, "null") } + [Edit("kinds", #"["model"]"#)]
        let manifest = try PluginManifest.parse(SampleManifest.data(with: edits))
        #expect(manifest.toolchain == nil)
        #expect(manifest.permissions == PluginManifest.Permissions())
        #expect(manifest.config == nil)
        #expect(manifest.tools.isEmpty)

        let nested = ["permissions.network", "permissions.secrets", "permissions.events.subscribe", "permissions.events.emit"].map { Edit($0, "null") }
        let permissions = try PluginManifest.parse(SampleManifest.data(with: nested)).permissions
        #expect(permissions.network.isEmpty && permissions.secrets.isEmpty)
        #expect(permissions.events == PluginManifest.Permissions.Events())
        #expect(try PluginManifest.parse(SampleManifest.data(with: [Edit("permissions.events", "null")])).permissions.events.subscribe.isEmpty)
    }

    @Test func unknownFieldsAreAcceptedAndIgnored() throws {
        let edits = [
            Edit("homepage", #""https://acme.example""#), Edit("x-future", #"{"nested":[1,2,{"deep":null}]}"#), Edit("permision", #"{"network":["x"]}"#),
            Edit("permissions.future", "true"), Edit("permissions.events.replay", #"{"days":7}"#),
        ]
        let withExtras = try PluginManifest.parse(SampleManifest.data(with: edits))
        #expect(withExtras == (try PluginManifest.parse(Data(SampleManifest.text.utf8))))

        var object = SampleManifest.object
        object["tools"] = [["name": "x", "description": "y", "input_schema": ["type": "object"]]]
        #expect(try PluginManifest.parse(JSONSerialization.data(withJSONObject: object)).tools.map(\.name) == ["x"])
    }

    @Test(arguments: [
        (["c", "cpp", "rust", "zig"], false),
        (["swift"], true),
    ])
    func everyLanguageIsAccepted(languages: [String], needsToolchain: Bool) throws {
        for language in languages {
            var edits = [Edit("language", #""\#(language)""#)]
            if needsToolchain { edits.append(Edit("toolchain", #""swift-6.3""#)) }
            #expect(try PluginManifest.parse(SampleManifest.data(with: edits)).language.rawValue == language)
        }
    }

    @Test(arguments: [
        "^1.0", ">=1.0 <2.0", "*", "1.0.0", "~1.2 || ^2", "=1.4",
    ])
    func abiRangesAreAccepted(_ abi: String) throws {
        #expect(try PluginManifest.parse(SampleManifest.data(with: [Edit("abi", #""\#(abi)""#)])).abi == abi)
    }

    @Test(arguments: ["libx.so", "lib/libx.so", "a/b/c/libx.so", "libx.dylib", "lib..x.so", "x.y.so"])
    func libraryPathsInsideTheFolderAreAccepted(_ library: String) throws {
        #expect(try PluginManifest.parse(SampleManifest.data(with: [Edit("library", #""\#(library)""#)])).library == library)
    }

    @Test(arguments: ["ab", "a1", "a-b", "acme-crm", "x" + String(repeating: "y", count: 63)])
    func identifiersAreAccepted(_ id: String) throws {
        #expect(PluginManifest.isIdentifier(id))
        #expect(try PluginManifest.parse(SampleManifest.data(with: [Edit("id", #""\#(id)""#)])).id == id)
    }

    // MARK: - Values that are refused

    static let badValues: [Fault] = [
        Fault("id", "is 'Acme_CRM', not 2–64 lower-case letters", Edit("id", #""Acme_CRM""#)),
        Fault("id", "is 'a'", Edit("id", #""a""#)),
        Fault("id", "is ''", Edit("id", #""""#)),
        Fault("id", "is '1abc'", Edit("id", #""1abc""#)),
        Fault("id", "is '-abc'", Edit("id", #""-abc""#)),
        Fault("id", "is 'abc-'", Edit("id", #""abc-""#)),
        Fault("id", "is 'ab c'", Edit("id", #""ab c""#)),
        Fault("id", "is 'café'", Edit("id", #""café""#)),
        Fault("id", "not 2–64", Edit("id", #""\#(String(repeating: "a", count: 65))""#)),
        Fault("version", "is '1.0', not a semantic version", Edit("version", #""1.0""#)),
        Fault("version", "is 'v1.0.0'", Edit("version", #""v1.0.0""#)),
        Fault("version", "is '01.0.0'", Edit("version", #""01.0.0""#)),
        Fault("version", "is '1.0.0-'", Edit("version", #""1.0.0-""#)),
        Fault("name", "is empty", Edit("name", #""""#)),
        Fault("name", "is empty", Edit("name", #"" \t ""#)),
        Fault("summary", "is empty", Edit("summary", #""  ""#)),
        Fault("publisher", "is empty", Edit("publisher", #""""#)),
        Fault("license", "is empty", Edit("license", #""\t""#)),
        Fault("kinds", "is empty", Edit("kinds", "[]")),
        Fault("kinds[1]", "repeats 'tools'", Edit("kinds", #"["tools", "tools", "ingress"]"#)),
        Fault("kinds[3]", "repeats 'events'", Edit("kinds", #"["events", "tools", "ingress", "events"]"#)),
        Fault("abi", "is not a version range ('1.x' in the range '1.x' is not a version)", Edit("abi", #""1.x""#)),
        Fault("abi", "is not a version range (the version range is empty)", Edit("abi", #""""#)),
        Fault("abi", "empty alternative", Edit("abi", #""^1.0 ||""#)),
        Fault("abi", "is not a version", Edit("abi", #"">= 1.0""#)),
        Fault("library", "is '/usr/lib/libacme.so', not a relative path", Edit("library", #""/usr/lib/libacme.so""#)),
        Fault("library", "is '../build/libacme.so'", Edit("library", #""../build/libacme.so""#)),
        Fault("library", "is 'lib/../../libacme.so'", Edit("library", #""lib/../../libacme.so""#)),
        Fault("library", "is './libacme.so'", Edit("library", #""./libacme.so""#)),
        Fault("library", "is 'a//b.so'", Edit("library", #""a//b.so""#)),
        Fault("library", "is 'libacme.so.1'", Edit("library", #""libacme.so.1""#)),
        Fault("library", "is 'libacme.dll'", Edit("library", #""libacme.dll""#)),
        Fault("library", "is 'lib/'", Edit("library", #""lib/""#)),
        Fault("library", "is ''", Edit("library", #""""#)),
        Fault("toolchain", "is only for Swift plugins", Edit("toolchain", #""swift-6.3.1""#)),
        Fault("toolchain", "is only for Swift plugins", Edit("language", #""rust""#), Edit("toolchain", #""swift-6.3.1""#)),
        Fault("toolchain", "is required for Swift plugins", Edit("language", #""swift""#)),
        Fault("toolchain", "is required for Swift plugins", Edit("language", #""swift""#), Edit("toolchain", "null")),
        Fault("toolchain", "is 'swift6', not of the form swift-MAJOR.MINOR[.PATCH]", Edit("language", #""swift""#), Edit("toolchain", #""swift6""#)),
        Fault("toolchain", "is 'swift-6'", Edit("language", #""swift""#), Edit("toolchain", #""swift-6""#)),
        Fault("toolchain", "is 'swift-6.03'", Edit("language", #""swift""#), Edit("toolchain", #""swift-6.03""#)),
        Fault("toolchain", "is 'swift-6.3.1.2'", Edit("language", #""swift""#), Edit("toolchain", #""swift-6.3.1.2""#)),
        Fault("toolchain", "is '6.3.1'", Edit("language", #""swift""#), Edit("toolchain", #""6.3.1""#)),
        Fault("permissions.network[1]", "is 'https://api.acme.example', not a host name, '*.domain' or 'host:port'",
              Edit("permissions.network", #"["api.acme.example", "https://api.acme.example"]"#)),
        Fault("permissions.network[0]", "is 'x/y'", Edit("permissions.network", #"["x/y"]"#)),
        Fault("permissions.network[2]", "is '*.'", Edit("permissions.network", #"["a.example", "b.example", "*."]"#)),
        Fault("permissions.network[0]", "is ''", Edit("permissions.network", #"[""]"#)),
        Fault("permissions.network[0]", "is 'x:0'", Edit("permissions.network", #"["x:0"]"#)),
        Fault("permissions.secrets[0]", "is 'api key', not 1–64 of A–Z a–z 0–9 _ . -", Edit("permissions.secrets", #"["api key"]"#)),
        Fault("permissions.secrets[1]", "is ''", Edit("permissions.secrets", #"["ok", ""]"#)),
        Fault("permissions.processes[0]", "is 'bin/sh', not a program name or an absolute path", Edit("permissions.processes", #"["bin/sh"]"#)),
        Fault("permissions.processes[1]", "is '/usr/../bin/sh'", Edit("permissions.processes", #"["python3", "/usr/../bin/sh"]"#)),
        Fault("permissions.processes[0]", "is '..'", Edit("permissions.processes", #"[".."]"#)),
        Fault("permissions.processes[0]", "is 'a b'", Edit("permissions.processes", #"["a b"]"#)),
        Fault("permissions.events.subscribe[0]", "is 'Lead.*', not an event type pattern", Edit("permissions.events.subscribe", #"["Lead.*"]"#)),
        Fault("permissions.events.subscribe[1]", "is 'lead.*.*'", Edit("permissions.events.subscribe", #"["*", "lead.*.*"]"#)),
        Fault("permissions.events.emit[0]", "is 'lead.*', not an event type", Edit("permissions.events.emit", #"["lead.*"]"#)),
        Fault("permissions.events.emit[1]", "is '*'", Edit("permissions.events.emit", #"["a.b", "*"]"#)),
        Fault("permissions.ingress", "must be true for a plugin of kind \"ingress\"", Edit("permissions.ingress", "false")),
        Fault("permissions.ingress", "must be true for a plugin of kind \"ingress\"", Edit("permissions", nil)),
        Fault("permissions.ingress", "is true but 'kinds' lacks \"ingress\"", Edit("kinds", #"["tools"]"#)),
        Fault("config", "must be a JSON Schema object with \"type\": \"object\"", Edit("config", #"{"type":"array"}"#)),
        Fault("config", "must be a JSON Schema object", Edit("config", "{}")),
        Fault("config", "must be a JSON Schema object", Edit("config", #"{"properties":{}}"#)),
        Fault("config", "must be a JSON Schema object", Edit("config", "[]")),
        Fault("config", "must be a JSON Schema object", Edit("config", #""object""#)),
        Fault("config", "must be a JSON Schema object", Edit("config", "5")),
        Fault("config", "must be a JSON Schema object", Edit("config", "true")),
        Fault("tools[0].name", "is 'add note', not 1–64 of A–Z a–z 0–9 _ . -", Edit("tools", #"[{"name":"add note","description":""}]"#)),
        Fault("tools[1].name", "is ''", Edit("tools", #"[{"name":"ok","description":""},{"name":"","description":""}]"#)),
        Fault("tools[0].name", "not 1–64", Edit("tools", #"[{"name":"\#(String(repeating: "t", count: 65))","description":""}]"#)),
        Fault("tools[0].name", "is 'ünï'", Edit("tools", #"[{"name":"ünï","description":""}]"#)),
    ]

    @Test(arguments: badValues)
    func badValuesAreRefusedNamingTheField(_ fault: Fault) throws {
        try expectRefused(fault)
    }

    // MARK: - Decoding: required fields, types, JSON syntax

    static let requiredFields = ["id", "version", "name", "summary", "publisher", "license", "kinds", "language", "abi", "library"]

    @Test(arguments: requiredFields)
    func missingRequiredFieldsAreRefused(_ field: String) throws {
        try expectRefused(Fault(field, "is required", Edit(field, nil)))
    }

    @Test(arguments: [
        Fault("tools[0].description", "is required", Edit("tools", #"[{"name":"x"}]"#)),
        Fault("tools[1].name", "is required", Edit("tools", #"[{"name":"x","description":""},{"description":""}]"#)),
    ])
    func missingNestedFieldsAreRefused(_ fault: Fault) throws {
        try expectRefused(fault)
    }

    static let wrongTypes: [Fault] = [
        Fault("kinds", "must be an array", Edit("kinds", #""tools""#)),
        Fault("kinds", "must be an array", Edit("kinds", #"{"tools":true}"#)),
        Fault("id", "must be a string", Edit("id", "5")),
        Fault("id", "must be a string, not null", Edit("id", "null")),
        Fault("version", "must be a string", Edit("version", "1")),
        Fault("name", "must be a string", Edit("name", #"["Acme"]"#)),
        Fault("license", "must be a string, not null", Edit("license", "null")),
        Fault("abi", "must be a string", Edit("abi", "1.0")),
        Fault("library", "must be a string", Edit("library", "true")),
        Fault("toolchain", "must be a string", Edit("toolchain", "6.3")),
        Fault("kinds[1]", "has an invalid value", Edit("kinds", #"["tools", "tool"]"#)),
        Fault("kinds[0]", "must be a string", Edit("kinds", "[1]")),
        Fault("language", "has an invalid value", Edit("language", #""go""#)),
        Fault("language", "has an invalid value", Edit("language", #""Swift""#)),
        Fault("permissions", "an object or value of the documented shape", Edit("permissions", "[]")),
        Fault("permissions.ingress", "must be true or false", Edit("permissions.ingress", #""yes""#)),
        Fault("permissions.ingress", "must be true or false", Edit("permissions.ingress", "1")),
        Fault("permissions.network", "must be an array", Edit("permissions.network", #""api.acme.example""#)),
        Fault("permissions.network[1]", "must be a string", Edit("permissions.network", #"["api.acme.example", 443]"#)),
        Fault("permissions.secrets[0]", "must be a string", Edit("permissions.secrets", "[null]")),
        Fault("permissions.events.subscribe", "must be an array", Edit("permissions.events.subscribe", #""*""#)),
        Fault("permissions.events.emit[0]", "must be a string", Edit("permissions.events.emit", "[{}]")),
        Fault("tools", "must be an array", Edit("tools", #"{"name":"x","description":""}"#)),
        Fault("tools[0].name", "must be a string", Edit("tools", #"[{"name":7,"description":""}]"#)),
        Fault("tools[0].description", "must be a string, not null", Edit("tools", #"[{"name":"x","description":null}]"#)),
    ]

    @Test(arguments: wrongTypes)
    func wrongTypesAreRefusedNamingTheField(_ fault: Fault) throws {
        try expectRefused(fault)
    }

    @Test(arguments: ["", "not json", "{", #"{"id":}"#, #"{"id":"x",,}"#, "{'id':'x'}", "\u{FEFF}", #"{"id":"acme" "version":"1.0.0"}"#, "{} {}"])
    func inputThatIsNotJSONIsRefused(_ text: String) throws {
        let error = try refusal(Data(text.utf8))
        #expect(error.code == .manifestInvalid)
        #expect(error.message == "plugin.json: the file is not valid JSON")
    }

    /// A trailing comma makes the file invalid JSON, which the manifest must be.
    @Test func aTrailingCommaIsNotJSON() throws {
        var text = SampleManifest.text
        text.replace(#""tools": ["#, with: #""x-trailing": [1, 2,], "tools": ["#)
        let error = #expect(throws: MarketError.self) { try PluginManifest.parse(Data(text.utf8)) }
        #expect(error?.message == "plugin.json: the file is not valid JSON")
    }

    @Test func bytesThatAreNotTextAreRefused() throws {
        let error = try refusal(Data([0xFF, 0xFE, 0x00, 0x7B, 0x80]))
        #expect(error.code == .manifestInvalid)
        #expect(error.message.hasPrefix("plugin.json"))
    }

    @Test(arguments: ["[]", #""acme""#, "42", "true", "null"])
    func aTopLevelValueOtherThanAnObjectIsRefused(_ text: String) throws {
        let error = try refusal(Data(text.utf8))
        #expect(error.code == .manifestInvalid)
        #expect(error.message.hasPrefix("plugin.json: field '(top level)' must be an object"), "\(error.message)")
    }

    @Test func aManifestSurvivesEncodingAndDecoding() throws {
        for edits in [[], [Edit("language", #""swift""#), Edit("toolchain", #""swift-6.3.1""#)], [Edit("config", nil), Edit("tools", nil)]] {
            let manifest = try PluginManifest.parse(SampleManifest.data(with: edits))
            #expect(try PluginManifest.parse(JSONEncoder().encode(manifest)) == manifest)
        }
    }

    // MARK: - Order, source and exact wording

    /// One fault per check, in the order the checks run; each manifest has the faults from one
    /// check onwards, so the first one must be reported.
    static let faultsInCheckOrder: [Fault] = [
        Fault("id", "is 'X'", Edit("id", #""X""#)),
        Fault("version", "is '1'", Edit("version", #""1""#)),
        Fault("name", "is empty", Edit("name", #""""#)),
        Fault("summary", "is empty", Edit("summary", #""""#)),
        Fault("publisher", "is empty", Edit("publisher", #""""#)),
        Fault("license", "is empty", Edit("license", #""""#)),
        Fault("kinds[3]", "repeats", Edit("kinds", #"["tools", "events", "ingress", "tools"]"#)),
        Fault("abi", "is not a version range", Edit("abi", #""x""#)),
        Fault("library", "is 'x'", Edit("library", #""x""#)),
        Fault("toolchain", "is only for Swift plugins", Edit("toolchain", #""swift-6.3""#)),
        Fault("permissions.network[0]", "is 'a b'", Edit("permissions.network", #"["a b"]"#)),
        Fault("permissions.secrets[0]", "is 'a b'", Edit("permissions.secrets", #"["a b"]"#)),
        Fault("permissions.events.subscribe[0]", "is 'A'", Edit("permissions.events.subscribe", #"["A"]"#)),
        Fault("permissions.events.emit[0]", "is 'A'", Edit("permissions.events.emit", #"["A"]"#)),
        Fault("permissions.ingress", "must be true", Edit("permissions.ingress", "false")),
        Fault("config", "must be a JSON Schema object", Edit("config", "{}")),
        Fault("tools[0].name", "is 'a b'", Edit("tools", #"[{"name":"a b","description":""}]"#)),
    ]

    @Test func checksRunInTheDocumentedOrder() throws {
        for index in Self.faultsInCheckOrder.indices {
            let first = Self.faultsInCheckOrder[index]
            let edits = Self.faultsInCheckOrder[index...].flatMap(\.edits)
            try expectRefused(Fault(first.field, first.problem, edits: edits))
        }
    }

    @Test func messagesNameTheSource() throws {
        let data = try SampleManifest.data(with: [Edit("id", #""Bad""#)])
        let error = try refusal(data, source: "/srv/market/plugins/acme-crm/plugin.json")
        #expect(error.message.hasPrefix("/srv/market/plugins/acme-crm/plugin.json: field 'id' is 'Bad'"))
        let notJSON = try refusal(Data("{".utf8), source: "/tmp/x/plugin.json")
        #expect(notJSON.message == "/tmp/x/plugin.json: the file is not valid JSON")
    }

    /// The messages docs/plugin-manifest.md quotes as exact.
    @Test(arguments: [
        ([Edit("permissions.network", #"["api.acme.example", "https://api.acme.example"]"#)],
         #"MANIFEST_INVALID: /srv/market/plugins/acme-crm/plugin.json: field 'permissions.network[1]' is 'https://api.acme.example', not a host name, '*.domain' or 'host:port' — write hosts such as "api.example.com" or "*.example.com", without a scheme or path"#),
        ([Edit("license", nil)],
         "MANIFEST_INVALID: /srv/market/plugins/acme-crm/plugin.json: field 'license' is required — see docs/plugin-manifest.md for the fields and their types"),
        ([Edit("kinds", #""tools""#)],
         "MANIFEST_INVALID: /srv/market/plugins/acme-crm/plugin.json: field 'kinds' must be an array — see docs/plugin-manifest.md for the fields and their types"),
        ([Edit("kinds", #"["tool"]"#)],
         "MANIFEST_INVALID: /srv/market/plugins/acme-crm/plugin.json: field 'kinds[0]' has an invalid value (Cannot initialize Kind from invalid String value tool) — see docs/plugin-manifest.md for the fields and their types"),
        ([Edit("tools", #"[{"name":"add note","description":""}]"#)],
         "MANIFEST_INVALID: /srv/market/plugins/acme-crm/plugin.json: field 'tools[0].name' is 'add note', not 1–64 of A–Z a–z 0–9 _ . - — rename the tool"),
        ([Edit("toolchain", #""swift-6.3.1""#)],
         "MANIFEST_INVALID: /srv/market/plugins/acme-crm/plugin.json: field 'toolchain' is only for Swift plugins — remove it: a c plugin needs only the header"),
    ])
    func documentedMessagesAreExact(edits: [Edit], description: String) throws {
        let error = try refusal(SampleManifest.data(with: edits), source: "/srv/market/plugins/acme-crm/plugin.json")
        #expect(error.description == description)
    }

    // MARK: - Loading from disk

    @Test func loadingAFolderWithoutAManifestIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("core-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = try #require(throws: MarketError.self) { try PluginManifest.load(from: folder) }
        #expect(error.code == .manifestInvalid)
        #expect(error.message == "cannot read \(folder.appendingPathComponent("plugin.json").path)")
        #expect(error.fix == "check that the plugin folder holds a plugin.json")
        #expect(error.underlying != nil)
    }

    @Test func loadingNamesTheFileInMessages() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("core-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("plugin.json")
        try SampleManifest.data(with: [Edit("version", #""1.0""#)]).write(to: file)
        for url in [folder, file] {
            let error = try #require(throws: MarketError.self) { try PluginManifest.load(from: url) }
            #expect(error.code == .manifestInvalid)
            #expect(error.message.hasPrefix("\(file.path): field 'version' is '1.0'"), "\(error.message)")
        }
        try SampleManifest.data(with: []).write(to: file)
        #expect(try PluginManifest.load(from: folder).id == "acme-crm")
    }
}

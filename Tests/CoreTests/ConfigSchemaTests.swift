import Foundation
import MarketCore
import Testing

/// Example tests of the config schema validator: each keyword, the paths and messages of its
/// violations, defaults, secret fields, and the schemas it refuses.
@Suite struct ConfigSchemaTests {
    static func schema(_ text: String) throws -> ConfigSchema { try ConfigSchema(try JSONValue(parsing: text)) }
    static func json(_ text: String) throws -> JSONValue { try JSONValue(parsing: text) }

    /// The first-party OpenAI provider's schema, read from its plugin.json.
    static func openAI() throws -> ConfigSchema {
        let manifest = try PluginManifest.load(from: packageRoot.appendingPathComponent("Plugins/openai"))
        return try ConfigSchema(try #require(manifest.config))
    }

    @Test func aValidConfigHasNoViolationsAndGetsItsDefaults() throws {
        let schema = try Self.openAI()
        let config = try Self.json(#"{"model": "gpt-4o-mini", "temperature": 0.2}"#)
        #expect(schema.violations(of: schema.applyingDefaults(to: config)).isEmpty)
        let stored = try schema.validated(config)
        #expect(stored == (try Self.json(#"{"model": "gpt-4o-mini", "temperature": 0.2, "base_url": "https://api.openai.com/v1", "max_retries": 2}"#)))
    }

    @Test func everyViolationIsReportedWithItsPath() throws {
        let schema = try Self.openAI()
        let config = try Self.json(#"{"temperature": 3, "max_tokens": 1.5, "max_retries": -1, "extra_headers": {"A": "x", "B": 7}, "base_url": 5}"#)
        let found = schema.violations(of: schema.applyingDefaults(to: config)).map(\.description)
        #expect(found == [
            "/base_url: must be a string, not an integer",
            "/extra_headers/B: must be a string, not an integer",
            "/max_retries: must be >= 0",
            "/max_tokens: must be an integer, not a number",
            "/model: is required",
            "/temperature: must be <= 2",
        ])
        let error = try #require(throws: MarketError.self) { try schema.validated(config, subject: "the config of openai") }
        #expect(error.code == .configInvalid)
        #expect(error.violations.count == 6)
        #expect(error.message.hasPrefix("the config of openai is invalid: /base_url: must be a string"))
    }

    @Test func integerAndNumberDiffer() throws {
        let schema = try Self.schema(#"{"type": "object", "properties": {"i": {"type": "integer"}, "n": {"type": "number"}}}"#)
        #expect(schema.violations(of: try Self.json(#"{"i": 2, "n": 2}"#)).isEmpty)
        #expect(schema.violations(of: try Self.json(#"{"i": 2.0, "n": 2.5}"#)).isEmpty, "2.0 is an integer in JSON Schema")
        #expect(schema.violations(of: try Self.json(#"{"i": 2.5}"#)).map(\.description) == ["/i: must be an integer, not a number"])
        #expect(schema.violations(of: try Self.json(#"{"n": "2"}"#)).map(\.description) == ["/n: must be a number, not a string"])
    }

    @Test func boundsLengthsPatternsEnumsAndConst() throws {
        let schema = try Self.schema("""
            {"type": "object", "properties": {
              "low": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
              "step": {"type": "number", "multipleOf": 0.1},
              "name": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-z]+$"},
              "mode": {"enum": ["fast", "slow", 3]},
              "kind": {"const": "v1"},
              "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2, "uniqueItems": true}
            }}
            """)
        #expect(schema.violations(of: try Self.json(#"{"low": 0.5, "step": 0.3, "name": "abc", "mode": 3, "kind": "v1", "tags": ["a"]}"#)).isEmpty)
        let found = schema.violations(of: try Self.json(#"{"low": 1, "step": 0.25, "name": "A", "mode": "medium", "kind": "v2", "tags": ["a", "a", "b"]}"#))
        #expect(found.map(\.description) == [
            "/kind: must be \"v1\"",
            "/low: must be < 1",
            "/mode: must be one of \"fast\", \"slow\", 3",
            "/name: must have at least 2 characters",
            "/name: must match the pattern ^[a-z]+$",
            "/step: must be a multiple of 0.1",
            "/tags: must have at most 2 items",
            "/tags: must not repeat items (items 0 and 1 are equal)",
        ])
        #expect(schema.violations(of: try Self.json(#"{"low": 0, "name": "abcde", "tags": [1]}"#)).map(\.description) == [
            "/low: must be > 0", "/name: must have at most 4 characters", "/tags/0: must be a string, not an integer",
        ])
        // Lengths count code points, not UTF-8 or UTF-16 units.
        let short = try Self.schema(#"{"type": "string", "maxLength": 2}"#)
        #expect(short.violations(of: .string("\u{E9}\u{1F600}")).isEmpty)
        #expect(short.violations(of: .string("\u{E9}\u{1F600}a")).map(\.description) == ["/: must have at most 2 characters"])
    }

    @Test func additionalPropertiesFalseNamesTheKnownSettings() throws {
        let schema = try Self.schema(#"{"type": "object", "additionalProperties": false, "properties": {"a": {}, "b": {}}}"#)
        #expect(schema.violations(of: try Self.json(#"{"a": 1, "c": 2}"#)).map(\.description) == ["/c: is not a known setting (known: a, b)"])
    }

    @Test func nestedArraysOfObjectsGetPathsAndDefaults() throws {
        let manifest = try PluginManifest.load(from: packageRoot.appendingPathComponent("Plugins/mcp"))
        let schema = try ConfigSchema(try #require(manifest.config))
        let config = try Self.json(#"{"servers": [{"name": "fs", "command": "python3"}, {"name": "Bad Name", "timeout_seconds": 0}]}"#)
        let filled = schema.applyingDefaults(to: config)
        #expect(filled["servers"].flatMap { if case .array(let items) = $0 { items.first } else { nil } }?["timeout_seconds"] == .number(30))
        #expect(schema.violations(of: filled).map(\.description) == [
            "/servers/1/command: is required",
            "/servers/1/name: must match the pattern ^[a-z][a-z0-9_-]{0,23}$",
            "/servers/1/timeout_seconds: must be >= 1",
        ])
    }

    @Test func givenValuesAreNeverReplacedByDefaults() throws {
        let schema = try Self.schema(#"{"type": "object", "properties": {"n": {"type": "integer", "default": 5}, "o": {"type": "object", "default": {}, "properties": {"x": {"default": true}}}}}"#)
        #expect(schema.applyingDefaults(to: try Self.json(#"{"n": "oops"}"#)) == (try Self.json(#"{"n": "oops", "o": {"x": true}}"#)))
    }

    @Test func secretFieldsAreFoundAndCountAsPresentWhenStored() throws {
        let schema = try Self.schema(#"{"type": "object", "required": ["token", "url"], "properties": {"token": {"type": "string", "format": "secret", "minLength": 8}, "url": {"type": "string"}}}"#)
        #expect(schema.secretFields == ["token"])
        #expect(schema.violations(of: try Self.json(#"{"url": "x"}"#)).map(\.description) == ["/token: is required"])
        #expect(schema.violations(of: try Self.json(#"{"url": "x"}"#), assumingPresent: ["token"]).isEmpty)
        #expect(schema.violations(ofField: "token", value: .string("short")).map(\.description) == ["/token: must have at least 8 characters"])
    }

    @Test func messagesNeverQuoteTheValueGiven() throws {
        let schema = try Self.schema(#"{"type": "object", "properties": {"token": {"type": "string", "format": "secret", "pattern": "^sk-", "maxLength": 10}, "n": {"type": "integer", "enum": [1, 2]}}}"#)
        let secret = "hunter2-very-secret-value"
        let error = try #require(throws: MarketError.self) { try schema.validated(.object(["token": .string(secret), "n": .number(7)])) }
        #expect(!String(describing: error).contains(secret))
        #expect(!String(reflecting: error).contains(secret))
        #expect(!error.violations.map(\.description).joined().contains("7"))
    }

    @Test func unsupportedOrMalformedSchemasAreRefusedWithTheirPlace() throws {
        let cases: [(String, String)] = [
            (#"{"type": "object", "properties": {"a": {"oneOf": []}}}"#, "/properties/a/oneOf: the keyword oneOf is not supported"),
            (#"{"type": "object", "properties": {"a": {"type": "text"}}}"#, "/properties/a/type: names no JSON Schema type: text"),
            (#"{"type": "object", "properties": {"a": {"type": "string", "pattern": "("}}}"#, "/properties/a/pattern: is not a valid regular expression"),
            (#"{"type": "object", "properties": {"a": {"minLength": -1}}}"#, "/properties/a/minLength: must be a non-negative integer"),
            (#"{"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"type": "string", "format": "secret"}}}}}"#,
             "/properties/a/properties/b/format: secret is only allowed on properties of the top-level object"),
            (#"{"type": "object", "properties": {"a": {"type": "integer", "format": "secret"}}}"#, "/properties/a/format: secret needs \"type\": \"string\""),
            (#"{"type": "object", "properties": {"a": {"type": "string", "format": "secret", "default": "x"}}}"#, "/properties/a/default: a secret field cannot have a default"),
            (#"{"type": "object", "properties": {"a": {"type": "integer", "minimum": 1, "default": 0}}}"#, "/properties/a/default: does not satisfy its own schema (/: must be >= 1)"),
        ]
        for (text, expected) in cases {
            let error = try #require(throws: MarketError.self) { try ConfigSchema(try JSONValue(parsing: text), source: "plugin x") }
            #expect(error.code == .configSchemaInvalid)
            #expect(error.message.hasPrefix("plugin x: " + expected), "\(error.message)")
        }
    }

    @Test func everyFirstPartyPluginSchemaCompiles() throws {
        let plugins = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent("Plugins").path)
        #expect(plugins.count >= 6)
        for plugin in plugins {
            let manifest = try PluginManifest.load(from: packageRoot.appendingPathComponent("Plugins/\(plugin)"))
            if let config = manifest.config { _ = try ConfigSchema(config, source: plugin) }
        }
    }

    @Test func pointersEscapeSlashAndTilde() throws {
        let schema = try Self.schema(#"{"type": "object", "additionalProperties": {"type": "integer"}}"#)
        #expect(schema.violations(of: try Self.json(#"{"a/b~c": "x"}"#)).map(\.path) == ["/a~1b~0c"])
    }
}

import Foundation
import MarketCore
import Testing

/// Example tests of the byte walk (`ConfigSchema.accepts`) on the edges where reading bytes
/// differs most from reading a parsed value; each verdict is also checked against the value
/// validator (and the search for a repeated member name).
@Suite struct SchemaBytesTests {
    /// The byte walk's verdict, after checking that the value validator reaches the same one.
    static func accepts(_ schema: String, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
        let compiled = try ConfigSchema(try JSONValue(parsing: schema))
        var bytes = text
        let byBytes = bytes.withUTF8 { compiled.accepts(UnsafeRawBufferPointer($0)) }
        let byValue = (try? JSONValue(parsing: text)).map { JSONSyntax.firstRepeatedName(in: text) == nil && compiled.violations(of: $0).isEmpty } ?? false
        #expect(byBytes == byValue, "\(text) against \(schema)", sourceLocation: sourceLocation)
        return byBytes
    }

    static let nested = #"""
    {"type": "object", "required": ["user"], "additionalProperties": false,
     "properties": {"user": {"type": "object", "required": ["name"],
                             "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 3},
                                            "tags": {"type": "array", "items": {"type": "integer"}, "maxItems": 2}}}}}
    """#

    @Test func nestedObjectsAreCheckedAtEveryLevel() throws {
        #expect(try Self.accepts(Self.nested, #"{"user": {"name": "Ann", "tags": [1, 2]}}"#))
        #expect(try !Self.accepts(Self.nested, #"{"user": {"name": "Anna"}}"#))
        #expect(try !Self.accepts(Self.nested, #"{"user": {"name": "Ann", "tags": [1, 2, 3]}}"#))
        #expect(try !Self.accepts(Self.nested, #"{"user": {"name": "Ann", "tags": [1.5]}}"#))
        #expect(try !Self.accepts(Self.nested, #"{"user": {}}"#))
        #expect(try !Self.accepts(Self.nested, #"{"user": {"name": "Ann"}, "extra": 1}"#))
        // Code points, not bytes: "héé" is 3 characters and 5 bytes.
        #expect(try Self.accepts(Self.nested, #"{"user": {"name": "héé"}}"#))
        #expect(try Self.accepts(Self.nested, #"{"user": {"name": "h\u00e9\u00e9"}}"#))
    }

    @Test func requiredNamesNeedNotBeProperties() throws {
        let schema = #"{"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "integer"}}}"#
        #expect(try Self.accepts(schema, #"{"a": 1, "b": null}"#))
        #expect(try !Self.accepts(schema, #"{"a": 1}"#))
        #expect(try !Self.accepts(schema, #"{"b": 1}"#))
        // Under additionalProperties: false a required name that is no property can never be given.
        #expect(try !Self.accepts(#"{"required": ["b"], "additionalProperties": false}"#, #"{"b": 1}"#))
    }

    @Test func enumsAndConstantsCompareWholeValues() throws {
        let schema = #"{"properties": {"colour": {"enum": ["red", 1, {"a": [true]}]}, "n": {"const": 2}}}"#
        #expect(try Self.accepts(schema, #"{"colour": "red", "n": 2.0}"#))
        #expect(try Self.accepts(schema, #"{"colour": 1.0}"#))
        #expect(try Self.accepts(schema, #"{"colour": {"a": [true]}}"#))
        #expect(try Self.accepts(schema, #"{"colour": "r\u0065d"}"#))
        #expect(try !Self.accepts(schema, #"{"colour": "blue"}"#))
        #expect(try !Self.accepts(schema, #"{"colour": {"a": [false]}}"#))
        #expect(try !Self.accepts(schema, #"{"n": 3}"#))
    }

    @Test func integersAndNumbersAreReadAsTheParserReadsThem() throws {
        let integer = #"{"type": "integer", "minimum": -9223372036854775808}"#
        for whole in ["0", "-0", "1.0", "1e2", "-0.0", "9223372036854775807", "-9223372036854775808", "123456789012345678901234"] {
            #expect(try Self.accepts(integer, whole), "\(whole)")
        }
        for fraction in ["1.5", "1e-1", "1e400", "-", "01", "1."] { #expect(try !Self.accepts(integer, fraction), "\(fraction)") }
        let bounded = #"{"type": "number", "exclusiveMinimum": 0, "maximum": 1, "multipleOf": 0.1}"#
        #expect(try Self.accepts(bounded, "0.3"))
        #expect(try Self.accepts(bounded, "1"))
        #expect(try !Self.accepts(bounded, "0"))
        #expect(try !Self.accepts(bounded, "-0"))
        #expect(try !Self.accepts(bounded, "0.35"))
        #expect(try !Self.accepts(bounded, "\"0.3\""))
    }

    @Test func additionalPropertiesAreAllowedRefusedOrChecked() throws {
        let open = #"{"properties": {"a": {"type": "string"}}}"#
        #expect(try Self.accepts(open, #"{"a": "x", "b": [1, {"c": null}]}"#))
        #expect(try !Self.accepts(open, #"{"a": "x", "b": [1, {"c": nul}]}"#))
        let closed = #"{"properties": {"a": {"type": "string"}}, "additionalProperties": false}"#
        #expect(try Self.accepts(closed, #"{"a": "x"}"#))
        #expect(try !Self.accepts(closed, #"{"a": "x", "b": 1}"#))
        let typed = #"{"properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "integer"}}"#
        #expect(try Self.accepts(typed, #"{"a": "x", "b": 1, "c": 2}"#))
        #expect(try !Self.accepts(typed, #"{"a": "x", "b": "y"}"#))
        let counted = #"{"minProperties": 2, "maxProperties": 2}"#
        #expect(try Self.accepts(counted, #"{"x": 1, "y": 2}"#))
        #expect(try !Self.accepts(counted, #"{"x": 1}"#))
        #expect(try !Self.accepts(counted, #"{"x": 1, "y": 2, "z": 3}"#))
    }

    @Test func escapedKeysMatchTheNamesTheyDecodeTo() throws {
        let schema = #"{"type": "object", "required": ["text", "a/b"], "properties": {"text": {"type": "string"}, "a/b": {"type": "integer"}}, "additionalProperties": false}"#
        #expect(try Self.accepts(schema, #"{"te\u0078t": "x", "a\/b": 1}"#))
        #expect(try !Self.accepts(schema, #"{"te\u0078t": 1, "a\/b": 1}"#))
        #expect(try !Self.accepts(schema, #"{"text": "x", "a\/b": 1, "t\u0065xt2": 1}"#))
        // A lone surrogate is refused, as the parser refuses it.
        #expect(try !Self.accepts(schema, #"{"text": "x", "a/b": 1, "\ud800": 1}"#))
        // Swift compares keys by canonical equivalence: the Kelvin sign is the key "K".
        let kelvin = #"{"required": ["K"], "properties": {"K": {"type": "integer"}}}"#
        #expect(try Self.accepts(kelvin, #"{"\u212A": 1}"#))
        #expect(try !Self.accepts(kelvin, "{\"\u{212A}\": \"x\"}"))
    }

    /// Readers disagree on which value of a repeated name counts, so a repeated name is refused
    /// wherever it is: declared or not, nested, in a value the schema leaves open, written with
    /// escapes or in another canonically equivalent form; even when every value would pass.
    @Test func aRepeatedNameIsRefusedWhereverItIs() throws {
        let schema = #"{"properties": {"a": {"type": "integer"}, "f": {"type": "object", "properties": {"n": {"type": "integer"}}}},"#
            + #" "additionalProperties": {"type": ["string", "object", "array"]}, "minProperties": 2}"#
        #expect(try Self.accepts(schema, #"{"a": 1, "b": "x", "c": "y", "f": {"n": 1, "m": [{"n": 1}, {"n": 2}]}}"#))
        for repeated in [
            #"{"a": 1, "a": "later", "b": "x"}"#, #"{"a": 1, "a": 2}"#, #"{"a": "first", "a": 1, "b": "x"}"#,
            #"{"a": 1, "b": "x", "b": "x"}"#, #"{"b": "x", "c": "y", "b": "x"}"#, #"{"a": 1, "f": {"n": 1, "n": "evil"}}"#,
            #"{"a": 1, "f": {"m": 1, "m": 1}}"#, #"{"a": 1, "b": {"deep": [{"y": 1, "y": 1}]}}"#, #"{"a": 1, "b": [[{"y": 1, "z": 2, "y": 1}]]}"#,
            #"{"a": 1, "\u0061": 1}"#, #"{"a": 1, "b": "x", "\u0062": "x"}"#, #"{"a": 1, "K": "x", "\u212A": "x"}"#,
            "{\"a\": 1, \"é\": \"x\", \"e\u{301}\": \"x\"}",
            #"{"a": 1, "b": "x", "c": "x", "d": "x", "e": "x", "g": "x", "h": "x", "i": "x", "j": "x", "k": "x", "b": "x"}"#,
        ] {
            #expect(try !Self.accepts(schema, repeated), "\(repeated)")
        }
        // More undeclared names than the walk keeps, escaped or not ASCII, all distinct: accepted.
        #expect(try Self.accepts(schema, #"{"a": 1, "b": "x", "c": "x", "d": "x", "e": "x", "g": "x", "h": "x", "i": "x", "j": "x", "k": "x", "l": "x"}"#))
        #expect(try Self.accepts(schema, #"{"a": 1, "\u0062": "x", "c": "x", "é": "x"}"#))
        // Even a repeated value that is not JSON is refused.
        #expect(try !Self.accepts(schema, #"{"a": 1, "a": tru, "b": "x"}"#))
    }

    @Test func theRepeatedNameIsFoundByItsPointer() {
        #expect(JSONSyntax.firstRepeatedName(in: #"{"n": 1, "n": "evil"}"#) == "/n")
        #expect(JSONSyntax.firstRepeatedName(in: #"{"filter": {"n": 1, "m": 2, "n": 3}, "n": 1}"#) == "/filter/n")
        #expect(JSONSyntax.firstRepeatedName(in: #"{"items": [{}, {"a/b": 1, "a\/b": 2}]}"#) == "/items/1/a~1b")
        #expect(JSONSyntax.firstRepeatedName(in: #"[{"x": {"y": 1}, "x": 2}]"#) == "/0/x")
        #expect(JSONSyntax.firstRepeatedName(in: #"{"K": 1, "\u212A": 2}"#) == "/\u{212A}")
        for once in [#"{"n": 1, "m": {"n": 1}, "l": [{"n": 1}, {"n": 1}]}"#, "{}", "[]", "1", #""n""#] {
            #expect(JSONSyntax.firstRepeatedName(in: once) == nil, "\(once)")
        }
    }

    @Test func nestingPastTheLimitIsRefused() throws {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(try !Self.accepts("{}", deep))
        let shallow = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(try Self.accepts("{}", shallow))
    }
}

import Foundation
import MarketCore
import MarketTestSupport
import Testing

@Suite struct JSONValueTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue(parsing: #"{"a":[1,-2.5,true,false,null,"x"],"b":{"c":{}}}"#)
        #expect(value == .object([
            "a": .array([.number(1), .number(-2.5), .bool(true), .bool(false), .null, .string("x")]),
            "b": .object(["c": .object([:])]),
        ]))
    }

    @Test(arguments: [
        ("true", JSONValue.bool(true)), ("false", .bool(false)), ("0", .number(0)), ("1", .number(1)), ("null", .null),
        (#""true""#, .string("true")), ("[]", .array([])), ("{}", .object([:])),
    ])
    func keepsBooleansNumbersAndStringsApart(text: String, expected: JSONValue) throws {
        #expect(try JSONValue(parsing: text) == expected)
    }

    @Test(arguments: ["", "{", "[,]", "nul", "{'a':1}", "1 2", "[1 2]", #"{"a" 1}"#, "01"])
    func refusesInvalidJSON(_ text: String) {
        #expect(throws: (any Error).self) { try JSONValue(parsing: text) }
    }

    /// RFC 8259 has no trailing commas; `JSONSyntax` refuses them.
    @Test(arguments: ["[1,]", #"{"a":1,}"#])
    func refusesTrailingCommas(_ text: String) {
        #expect(!JSONSyntax.isValid(text))
        #expect(throws: (any Error).self) { try JSONValue(parsing: text) }
    }

    @Test(arguments: [(#"{"a":1}"#, true), (" \n{}", true), ("[]", false), ("1", false), (#""{}""#, false), ("{", false), (#"{"a":1,}"#, false), ("", false)])
    func anObjectIsRecognisedWithoutParsing(text: String, isObject: Bool) {
        #expect(JSONSyntax.isObject(text) == isObject)
    }

    @Test func jsonTextSortsKeysAndDoesNotEscapeSlashes() {
        let value = JSONValue.object(["b": .number(1), "a": .array([.string("x/y"), .null, .bool(false)]), "c": .number(2.5)])
        #expect(value.jsonText == #"{"a":["x/y",null,false],"b":1,"c":2.5}"#)
    }

    @Test func equalValuesPrintEqually() throws {
        let first = try JSONValue(parsing: #"{"z":1,"a":{"y":2,"b":3}}"#)
        let second = try JSONValue(parsing: #"{ "a" : { "b" : 3 , "y" : 2 } , "z" : 1 }"#)
        #expect(first == second)
        #expect(first.jsonText == second.jsonText)
        #expect(first.hashValue == second.hashValue)
    }

    @Test(arguments: [
        #"{"a":[1,2,{"b":null}],"c":"é😀\n\"q\"","d":-0.125,"e":true}"#, "[]", #""text""#, "null", "12345", #"{"":{}}"#,
    ])
    func jsonTextRoundTrips(_ text: String) throws {
        let value = try JSONValue(parsing: text)
        #expect(JSONSyntax.isValid(value.jsonText))
        #expect(try JSONValue(parsing: value.jsonText) == value)
    }

    @Test func subscriptReadsObjectMembersOnly() {
        let value = JSONValue.object(["type": .string("object")])
        #expect(value["type"] == .string("object"))
        #expect(value["missing"] == nil)
        #expect(JSONValue.array([.string("type")])["type"] == nil)
        #expect(JSONValue.string("type")["type"] == nil)
    }

    @Test func decodesAndEncodesThroughCodable() throws {
        struct Holder: Codable, Equatable { let value: JSONValue? }
        let holder = try JSONDecoder().decode(Holder.self, from: Data(#"{"value":{"k":[1,"2"]}}"#.utf8))
        #expect(holder.value == .object(["k": .array([.number(1), .string("2")])]))
        #expect(try JSONDecoder().decode(Holder.self, from: JSONEncoder().encode(holder)) == holder)
    }
}

/// The direct writer behind `jsonText` prints what Foundation's encoder prints.
@Suite struct JSONTextWriterTests {
    static func encoded(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "null"
    }

    @Test(arguments: [
        JSONValue.number(0), .number(-0.0), .number(1), .number(-1), .number(16000), .number(0.1), .number(-2.5), .number(1e15),
        .number(1e16), .number(123456789012345), .number(9007199254740993), .number(1e-7), .number(3.141592653589793), .number(1e300),
        .number(-1e-300), .number(Double.greatestFiniteMagnitude), .number(.infinity), .number(.nan),
        .integer(9_007_199_254_740_993), .integer(.min), .integer(.max), .integer(-0), .integer(1_000_000_000_000_000),
        .string(""), .string("\u{0}\u{1}\u{8}\u{9}\u{A}\u{C}\u{D}\u{1F}\u{7F} \"\\/"), .string("é😀\u{2028}\u{FEFF}"),
        .array([.number(.infinity)]), .object(["b": .null, "a": .object(["": .array([])]), "é": .bool(true), "A": .bool(false)]),
    ])
    func printsWhatTheEncoderPrints(_ value: JSONValue) {
        #expect(value.jsonText == Self.encoded(value))
    }

    @Test func randomValuesPrintAsTheEncoderPrintsThem() {
        var random = SplitMix64(seed: 0x5eed_1234)
        let pieces = ["a", "Z", "/", "\"", "\\", "\n", "\t", "\u{1}", "\u{1F}", "é", "😀", "\u{2028}", " ", "0", "{", "}"]
        func string() -> String { (0..<Int(random.next() % 8)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined() }
        func value(_ depth: Int) -> JSONValue {
            switch random.next() % (depth > 3 ? 4 : 6) {
            case 0: return .null
            case 1: return .bool(random.next() % 2 == 0)
            case 2:
                let magnitude = Double(random.next() % 2_000_000) - 1_000_000
                return .number(random.next() % 2 == 0 ? magnitude : magnitude / Double(1 + random.next() % 1000) * pow(10, Double(Int(random.next() % 40) - 20)))
            case 3: return .string(string())
            case 4: return .array((0..<Int(random.next() % 5)).map { _ in value(depth + 1) })
            default: return .object(Dictionary((0..<Int(random.next() % 5)).map { _ in (string(), value(depth + 1)) }, uniquingKeysWith: { first, _ in first }))
            }
        }
        for _ in 0..<2000 {
            let sample = value(0)
            let expected = Self.encoded(sample)
            #expect(sample.jsonText == expected)
            if sample.jsonText != expected { break }
        }
    }
}

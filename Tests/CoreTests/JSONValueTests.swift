import Foundation
import MarketCore
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

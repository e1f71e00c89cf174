import Foundation
@testable import PluginKit
import Testing

/// PluginKit's own JSON coders: what plugins' tool arguments, results and service answers mean
/// when read and written without Foundation's, and the errors a tool's caller sees.
@Suite struct PluginJSONTests {
    struct Address: Codable, Equatable {
        var city: String
        var lines: [String]
    }

    struct Record: Codable, Equatable {
        var id: Int64
        var name: String
        var score: Double?
        var active: Bool
        var tags: [String]
        var address: Address?
        var extra: [String: Int]
        var matrix: [[Int]]
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try PluginJSON.decode(type, from: Array(text.utf8))
    }

    static func text(_ value: some Encodable) throws -> String {
        String(decoding: try PluginJSON.encode(value), as: UTF8.self)
    }

    @Test func aNestedRecordReadsAsFoundationReadsIt() throws {
        let text = #"""
        { "id": 9007199254740993, "name": "Ad\u0061 \"L\" \ud83d\ude00\n", "score": null, "active": true,
          "tags": ["a", "é/"], "address": {"city": "Москва", "lines": []}, "extra": {"x": 1, "y": -2},
          "matrix": [[1, 2], [], [3]], "ignored": {"deep": [1, {"a": null}]} }
        """#
        let ours = try Self.decode(Record.self, text)
        let foundation = try JSONDecoder().decode(Record.self, from: Data(text.utf8))
        #expect(ours == foundation)
        #expect(ours.id == 9_007_199_254_740_993 && ours.name == "Ada \"L\" 😀\n" && ours.score == nil)
        #expect(ours.extra == ["x": 1, "y": -2] && ours.matrix == [[1, 2], [], [3]])
    }

    @Test func numbersMeanWhatTheyMeanToFoundation() throws {
        struct Number: Decodable { var value: Int }
        struct Small: Decodable { var value: UInt8 }
        struct Wide: Decodable { var value: UInt64 }
        #expect(try Self.decode(Number.self, #"{"value":1.0}"#).value == 1)
        #expect(try Self.decode(Number.self, #"{"value":1e2}"#).value == 100)
        #expect(try Self.decode(Number.self, #"{"value":-9223372036854775808}"#).value == Int.min)
        #expect(try Self.decode(Wide.self, #"{"value":18446744073709551615}"#).value == UInt64.max)
        for refused in [#"{"value":1.5}"#, #"{"value":9223372036854775808}"#, #"{"value":1e300}"#] {
            #expect(throws: DecodingError.self, "\(refused)") { try Self.decode(Number.self, refused) }
        }
        #expect(throws: DecodingError.self) { try Self.decode(Small.self, #"{"value":256}"#) }
        #expect(throws: DecodingError.self) { try Self.decode(Small.self, #"{"value":-1}"#) }
    }

    @Test func theFirstOfTwoEqualKeysCountsAndEscapedKeysMatch() throws {
        struct One: Decodable { var a: Int }
        #expect(try Self.decode(One.self, #"{"a":1,"a":2}"#).a == 1)
        #expect(try Self.decode(One.self, #"{"\u0061":3}"#).a == 3)
    }

    /// The errors a tool's caller reads through `Tool.explain`: which member, and what is wrong.
    @Test func errorsNameTheMemberAndWhatIsWrong() throws {
        func explained(_ text: String) -> String {
            do {
                _ = try Self.decode(Record.self, text)
                return "decoded"
            } catch {
                return Tool.explain(error)
            }
        }
        let base = #""id":1,"name":"n","active":true,"extra":{},"matrix":[]"#
        #expect(explained("{\(base)}") == "'tags' is required")
        #expect(explained(#"{\#(base),"tags":["a",2]}"#) == "'tags.Index 1' has the wrong type")
        #expect(explained(#"{\#(base),"tags":null}"#) == "'tags' has the wrong type")
        #expect(explained(#"{\#(base),"tags":[],"address":{"city":5,"lines":[]}}"#) == "'address.city' has the wrong type")
        #expect(explained(#"{\#(base),"tags":[]"#) == "not a JSON object")
        #expect(explained("[]") == "'' has the wrong type")
        #expect(explained(#"{\#(base),"tags":[]} x"#) == "not a JSON object")
    }

    @Test func textThatIsNotJSONIsRefusedWithoutACrash() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        for text in ["", " ", "{", #"{"a"}"#, #"{"a":}"#, "[1,]", "01", "1.", "\"\u{01}\"", "nul", "tru", #""\x""#, deep, "\u{FF}"] {
            #expect(throws: DecodingError.self, "\(text.prefix(20))") { try Self.decode([Int].self, text) }
        }
        let invalidUTF8: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        #expect(throws: DecodingError.self) { try PluginJSON.decode(String.self, from: invalidUTF8) }
    }

    @Test func writingKeepsMemberOrderAndFoundationsNumbers() throws {
        struct Out: Encodable {
            var b = 1.0
            var a: String? = nil
            var c = [0.1, 1e20, 1e-7, -0.0, 1e15]
            var d = "a/b \"q\" \\ \n\t\u{01} é"
            var e: [String: [Int]] = ["k": [1]]
            var f = Int64.min
        }
        #expect(try Self.text(Out()) == #"{"b":1,"c":[0.1,1e+20,1e-07,-0,1000000000000000],"d":"a/b \"q\" \\ \n\t\u0001 é","e":{"k":[1]},"f":-9223372036854775808}"#)
        #expect(throws: EncodingError.self) { try PluginJSON.encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try PluginJSON.encode(["x": Float.infinity]) }
    }

    /// A custom `encode(to:)` that asks twice for its container, encodes a key twice and leaves
    /// a nested value empty: one object, the later value in the earlier place, `{}`.
    @Test func aCustomEncodingThatRevisitsItsContainer() throws {
        struct Empty: Encodable { func encode(to encoder: any Encoder) throws {} }
        struct Custom: Encodable {
            enum Key: String, CodingKey { case a, b, c }
            func encode(to encoder: any Encoder) throws {
                var first = encoder.container(keyedBy: Key.self)
                try first.encode(1, forKey: .a)
                var nested = first.nestedUnkeyedContainer(forKey: .b)
                var second = encoder.container(keyedBy: Key.self)
                try second.encode(Empty(), forKey: .c)
                try second.encode(2, forKey: .a)
                try nested.encode("late")
            }
        }
        #expect(try Self.text(Custom()) == #"{"a":2,"b":["late"],"c":{}}"#)
    }

    @Test func whatOneWritesTheOtherReads() throws {
        let record = Record(id: Int64.max, name: "😀 \u{7F} \u{2028}", score: 123456789.125, active: false, tags: ["", "\\"],
                            address: Address(city: "x", lines: ["1", "2"]), extra: ["a b": 0], matrix: [[Int.min]])
        #expect(try PluginJSON.decode(Record.self, from: PluginJSON.encode(record)) == record)
        #expect(try JSONDecoder().decode(Record.self, from: Data(PluginJSON.encode(record))) == record)
        #expect(try PluginJSON.decode(Record.self, from: Array(JSONEncoder().encode(record))) == record)
    }
}

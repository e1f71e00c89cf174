import Foundation
import MarketCore
import Testing

/// A JSON number written as an integer that fits 64 bits stays exactly that integer, through
/// parsing, `Codable`, `jsonText` and layout; above 2^53 a `Double` would round it.
@Suite struct JSONIntegerTests {
    static let exact: [Int64] = [9_007_199_254_740_993, -9_223_372_036_854_775_808, 9_223_372_036_854_775_807,
                                 -1_009_007_199_254_740_993, 0, 1, -1, 123_456_789_012_345_678]

    @Test(arguments: exact) func anIntegerRoundTripsExactlyThroughText(_ integer: Int64) throws {
        let text = String(integer)
        let value = try JSONValue(parsing: text)
        #expect(value == .integer(integer))
        #expect(value.integerValue == integer)
        #expect(value.jsonText == text)
        #expect(try JSONValue(parsing: #"{"id":\#(text)}"#).jsonText == #"{"id":\#(text)}"#)
    }

    @Test(arguments: exact) func anIntegerRoundTripsExactlyThroughCodable(_ integer: Int64) throws {
        let text = #"{"chat":{"id":\#(integer)}}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(value["chat"]?["id"] == .integer(integer))
        #expect(String(decoding: try JSONEncoder().encode(value), as: UTF8.self) == text)
    }

    /// 2^53 + 1 is not 2^53: the two no longer collapse into one `Double`.
    @Test func integersAboveTwoToThe53AreNotRounded() throws {
        let value = try JSONValue(parsing: "9007199254740993")
        #expect(value != .integer(9_007_199_254_740_992))
        #expect(value != .number(9_007_199_254_740_992))
        #expect(JSONLayout.indented(#"{"id":9007199254740993}"#)?.contains("9007199254740993") == true)
    }

    /// What is not an integer of 64 bits stays a `Double`, as before; -0 keeps its sign.
    @Test(arguments: [("1.5", 1.5), ("1e3", 1000), ("1.0", 1), ("9223372036854775808", 9_223_372_036_854_775_808), ("-0", -0.0)])
    func otherNumbersAreDoubles(text: String, expected: Double) throws {
        let value = try JSONValue(parsing: text)
        guard case .number(let number) = value else { Issue.record("\(text) gave \(value)"); return }
        #expect(number == expected && number.sign == expected.sign)
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) == value)
    }

    @Test func negativeZeroKeepsItsSignThroughCodable() throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data("-0".utf8))
        #expect(value.jsonText == "-0")
    }

    /// Numbers compare and hash by value whichever case holds them, so a value read from text
    /// equals one built in code, and dictionary keys and sets agree.
    @Test func integersAndDoublesCompareAndHashByValue() {
        #expect(JSONValue.integer(2) == .number(2))
        #expect(JSONValue.number(2) == .integer(2))
        #expect(JSONValue.integer(2).hashValue == JSONValue.number(2).hashValue)
        #expect(JSONValue.integer(0).hashValue == JSONValue.number(-0.0).hashValue)
        #expect(JSONValue.integer(2) != .number(2.5))
        #expect(JSONValue.integer(2) != .string("2"))
        #expect(Set([JSONValue.integer(7), .number(7), .object(["a": .integer(1)]), .object(["a": .number(1)])]).count == 2)
        #expect(JSONValue.integer(3).doubleValue == 3 && JSONValue.number(2.5).integerValue == nil && JSONValue.number(4).integerValue == 4)
    }

    /// Parsing agrees with Foundation's decoder where both accept the text, now in one pass.
    @Test func parsingRefusesWhatTheDecoderRefuses() throws {
        for text in [#""\ud800""#, #"["\udc00"]"#, #"{"\ud83d":1}"#, "1e400", "-1e400"] {
            #expect(throws: DecodingError.self, "\(text)") { try JSONValue(parsing: text) }
            #expect(throws: (any Error).self, "\(text)") { try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }
        }
        #expect(try JSONValue(parsing: #"{"a":1,"a":2}"#) == .object(["a": .integer(1)]), "the first of duplicated keys, as the decoder keeps it")
        #expect(try JSONValue(parsing: #""\ud83d\ude00 \u00e9\n""#) == .string("😀 é\n"))
    }
}

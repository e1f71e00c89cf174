import Foundation
import MarketCore
import MarketTestSupport
import Testing

@Suite struct JSONLayoutTests {
    @Test func indentsSortsKeysAndKeepsScalarsAsWritten() {
        let text = #" {"b":[1, 2e3 ,{"x":[]}],"a":{},"c":"s\/t \u00e9","n":12345678901234567890,"z":[[]],"e":null,"t":true} "#
        #expect(JSONLayout.indented(text) == """
            {
              "a": {},
              "b": [
                1,
                2e3,
                {
                  "x": []
                }
              ],
              "c": "s\\/t \\u00e9",
              "e": null,
              "n": 12345678901234567890,
              "t": true,
              "z": [
                []
              ]
            }
            """)
    }

    @Test func scalarsAndEmptyContainersStandAlone() {
        #expect(JSONLayout.indented("3") == "3")
        #expect(JSONLayout.indented(#" "x" "#) == #""x""#)
        #expect(JSONLayout.indented("[ ]") == "[]")
        #expect(JSONLayout.indented("{ }") == "{}")
    }

    @Test(arguments: ["", "{", #"{"a":}"#, "[1,]", "01", "nul", #"{"a":1}x"#])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(JSONLayout.indented(text) == nil)
    }

    /// On random values, the layout is what a plain printer over the parsed value writes: keys
    /// sorted by their characters' UTF-8, two spaces a level, scalars as `jsonText` spells them.
    @Test func randomValuesAreLaidOutAsThePlainPrinterWrites() throws {
        var random = SplitMix64(seed: 0x1a70_0c7)
        let pieces = ["a", "Z", "b", "\"", "\\", "\n", "é", " ", "0", ":", ","]
        func string() -> String { (0..<Int(random.next() % 6)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined() }
        func value(_ depth: Int) -> JSONValue {
            switch random.next() % (depth > 3 ? 4 : 6) {
            case 0: return .null
            case 1: return .bool(random.next() % 2 == 0)
            case 2: return .number(Double(Int(random.next() % 2_000_000) - 1_000_000) / Double(1 + random.next() % 4))
            case 3: return .string(string())
            case 4: return .array((0..<Int(random.next() % 4)).map { _ in value(depth + 1) })
            default: return .object(Dictionary((0..<Int(random.next() % 4)).map { _ in (string(), value(depth + 1)) }, uniquingKeysWith: { first, _ in first }))
            }
        }
        func plain(_ value: JSONValue, _ depth: Int) -> String {
            let inner = String(repeating: "  ", count: depth + 1), outer = String(repeating: "  ", count: depth)
            switch value {
            case .array(let elements) where !elements.isEmpty:
                return "[\n" + elements.map { inner + plain($0, depth + 1) }.joined(separator: ",\n") + "\n" + outer + "]"
            case .object(let members) where !members.isEmpty:
                let keys = members.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                return "{\n" + keys.map { inner + JSONValue.string($0).jsonText + ": " + plain(members[$0]!, depth + 1) }.joined(separator: ",\n") + "\n" + outer + "}"
            default:
                return value.jsonText
            }
        }
        for _ in 0..<2000 {
            let sample = value(0)
            let laid = try #require(JSONLayout.indented(sample.jsonText))
            #expect(laid == plain(sample, 0))
            #expect(try JSONValue(parsing: laid) == sample)
            if laid != plain(sample, 0) { break }
        }
    }
}

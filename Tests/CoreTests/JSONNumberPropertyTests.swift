import Foundation
import MarketCore
import PropertyBased
import Testing

/// JSON numbers round-trip exactly through `JSONValue`: every 64-bit integer (past 2^53, where a
/// `Double` rounds, up to Int64.min and Int64.max) and every finite `Double`.
@Suite struct JSONNumberPropertyTests {
    /// Any Int64, with the extremes, the values just past 2^53 and their negatives drawn often:
    /// (region, offset) shrinks toward the region's edge itself.
    static let integer = zip(Gen.int(in: 0...4), Gen<Int64>.value(in: 0...1_000_000), Gen<Int64>.value())
        .map { region, offset, any -> Int64 in
            switch region {
            case 0: Int64.max - offset
            case 1: Int64.min + offset
            case 2: (1 << 53) + 1 + offset
            case 3: -(1 << 53) - 1 - offset
            default: any
            }
        }

    @Test func anIntegerRoundTripsThroughText() async throws {
        await propertyCheck(count: 1_000, input: Self.integer) { integer throws in
            let text = String(integer)
            let value = try JSONValue(parsing: text)
            #expect(value == .integer(integer))
            #expect(value.integerValue == integer)
            #expect(value.jsonText == text)
            // Its neighbour is a different value, though a Double would merge them past 2^53.
            if integer < Int64.max { #expect(value != .integer(integer + 1)) }
        }
    }

    @Test func anIntegerRoundTripsThroughCodable() async throws {
        await propertyCheck(count: 500, input: Self.integer) { integer throws in
            let text = #"{"id":\#(integer),"list":[\#(integer)]}"#
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(value["id"] == .integer(integer))
            let again = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
            #expect(again["id"]?.integerValue == integer)
            #expect(again["list"] == .array([.integer(integer)]))
        }
    }

    /// A double written by `jsonText` reads back as the same double, bit for bit (or as the
    /// equal integer when it has no fraction).
    @Test func aDoubleRoundTripsThroughText() async throws {
        let magnitude = Gen.int(in: -300...300)
        await propertyCheck(count: 1_000, input: Gen.double(in: -1...1), magnitude) { mantissa, exponent throws in
            let number = mantissa * pow(10, Double(exponent))
            guard number.isFinite else { return }
            let text = JSONValue.number(number).jsonText
            let back = try JSONValue(parsing: text)
            #expect(back == .number(number), "\(number) written as \(text) read back as \(back)")
            if case .number(let read) = back { #expect(read.bitPattern == number.bitPattern, "\(number) became \(read)") }
        }
    }
}

import Foundation
import PluginKit
import PropertyBased
import Testing

/// PluginKit's JSON coders against Foundation's, on generated values: what PluginJSON writes,
/// both read back as the value; what Foundation writes, PluginJSON reads as the value.
@Suite struct PluginJSONPropertyTests {
    struct Sample: Codable, Equatable {
        var integer: Int64
        var number: Double
        var text: String
        var list: [String]
        var map: [String: Int64]
        var maybe: String?
    }

    /// Text that needs escapes: quotes, backslashes, control characters, '/', non-ASCII and astral.
    static let text = Gen.int(in: 0...11).array(of: 0...12).map { picks in
        String(picks.map { Array("a\"\\/\n\u{01}\u{1F}é€😀\u{2028} ")[$0] })
    }
    static let integer = zip(Gen.int(in: 0...2), Gen<Int64>.value()).map { region, any -> Int64 in
        switch region {
        case 0: Int64.max - (any & 0xFF)
        case 1: Int64.min + (any & 0xFF)
        default: any
        }
    }
    static let number = zip(Gen.double(in: -1...1), Gen.int(in: -300...300)).map { mantissa, exponent in
        let value = mantissa * pow(10, Double(exponent))
        return value.isFinite ? value : 0
    }
    static let sample = zip(integer, number, text, text.array(of: 0...3), zip(text, integer).array(of: 0...3), Gen.bool)
        .map { integer, number, text, list, pairs, present in
            Sample(integer: integer, number: number, text: text, list: list,
                   map: Dictionary(pairs, uniquingKeysWith: { first, _ in first }), maybe: present ? text : nil)
        }

    @Test func whatPluginJSONWritesBothRead() async throws {
        await propertyCheck(count: 500, input: Self.sample) { sample throws in
            let written = try PluginJSON.encode(sample)
            #expect(try PluginJSON.decode(Sample.self, from: written) == sample)
            #expect(try JSONDecoder().decode(Sample.self, from: Data(written)) == sample, "\(String(decoding: written, as: UTF8.self))")
        }
    }

    @Test func whatFoundationWritesPluginJSONReads() async throws {
        await propertyCheck(count: 500, input: Self.sample) { sample throws in
            let written = try JSONEncoder().encode(sample)
            #expect(try PluginJSON.decode(Sample.self, from: Array(written)) == sample, "\(String(decoding: written, as: UTF8.self))")
        }
    }
}

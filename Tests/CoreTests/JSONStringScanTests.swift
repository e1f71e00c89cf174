@testable import JSONScanning
import MarketCore
import Testing

/// The string scanner passes eight plain ASCII bytes at a time; whatever needs a look (a quote,
/// a backslash, a control character, a multi-byte UTF-8 sequence) must be seen at every offset
/// from a word's start, and the text read must be the same.
@Suite struct JSONStringScanTests {
    /// Bytes that must stop the eight-byte stride, with what the string then holds.
    static let special: [(json: [UInt8], text: String)] = [
        (Array(#"\""#.utf8), "\""), (Array(#"\\"#.utf8), "\\"), (Array(#"\n"#.utf8), "\n"), (Array(#"\u00e9"#.utf8), "é"),
        (Array("é".utf8), "é"), (Array("€".utf8), "€"), (Array("😀".utf8), "😀"), (Array("\u{7F}".utf8), "\u{7F}"),
    ]

    @Test(arguments: 0..<20)
    func readsASpecialByteAtEveryOffset(offset: Int) throws {
        for (json, text) in Self.special {
            let before = String(repeating: "a", count: offset), after = String(repeating: "b", count: 19 - offset)
            let bytes = [UInt8(ascii: "\"")] + Array(before.utf8) + json + Array(after.utf8) + [UInt8(ascii: "\"")]
            let read = bytes.withUnsafeBytes { raw -> String? in
                var scanner = JSONScanner(raw)
                guard let token = scanner.string(), scanner.atEnd else { return nil }
                return scanner.text(of: token)
            }
            #expect(read == before + text + after, "\(json) at offset \(offset)")
        }
    }

    /// A raw control character, a byte that starts no UTF-8 sequence, a lone continuation byte
    /// and a cut sequence are refused wherever they fall; an unescaped quote ends the string.
    @Test(arguments: 0..<20)
    func refusesABadByteAtEveryOffset(offset: Int) {
        for bad: [UInt8] in [[0x01], [0x1F], [0x0A], [0xFF], [0x80], [0xC3], [0xE2, 0x82], [0xC0, 0xAF]] {
            let bytes = [UInt8(ascii: "\"")] + Array(repeating: UInt8(ascii: "a"), count: offset) + bad
                + Array(repeating: UInt8(ascii: "b"), count: 19 - offset) + [UInt8(ascii: "\"")]
            #expect(!bytes.withUnsafeBytes { JSONScanner.isValid($0) }, "\(bad) at offset \(offset)")
        }
        let early = [UInt8(ascii: "\"")] + Array(repeating: UInt8(ascii: "a"), count: offset) + [UInt8(ascii: "\"")]
            + Array(repeating: UInt8(ascii: "b"), count: 19 - offset) + [UInt8(ascii: "\"")]
        #expect(!early.withUnsafeBytes { JSONScanner.isValid($0) })
    }

    /// Every single byte value, alone among plain ones in a word, is judged as the byte-by-byte
    /// reading judges it.
    @Test func theEightByteTestMissesNoByte() {
        for value in 0...255 {
            let needsLook = value == 0x22 || value == 0x5C || value < 0x20 || value >= 0x80
            for position in 0..<8 {
                let word = (0..<8).reduce(UInt64(0)) { word, index in word | UInt64(index == position ? UInt8(value) : UInt8(ascii: "a")) << (8 * UInt64(index)) }
                #expect(JSONScanner.plain(word) == !needsLook, "byte \(value) at \(position)")
            }
        }
    }
}

/// Strings: reading a token (escapes and UTF-8 checked), and decoding it.
extension JSONScanner {
    /// Reads a string token (after whitespace), checking every escape and the UTF-8 of its bytes.
    public mutating func string() -> StringToken? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        var escaped = false, loneSurrogate = false
        while index < bytes.count {
            // Eight plain bytes at a time: most of a string is ASCII with nothing to look at.
            if index + 8 <= bytes.count, Self.plain(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                index += 8
                continue
            }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                defer { index += 1 }
                return StringToken(contents: start..<index, escaped: escaped, loneSurrogate: loneSurrogate)
            case UInt8(ascii: "\\"):
                escaped = true
                guard skipEscape(loneSurrogate: &loneSurrogate) else { return nil }
            case 0..<0x20:
                return nil // control characters must be escaped
            case 0x80...:
                guard skipUTF8Sequence(lead: byte) else { return nil }
            default:
                index += 1
            }
        }
        return nil
    }

    /// Whether none of the eight bytes in `word` ends the string or needs a look of its own: no
    /// quote, backslash, control character or byte of a multi-byte UTF-8 sequence. The tests
    /// for a zero byte are exact whenever no byte has its high bit set, and a word with one is
    /// refused by the last test anyway.
    @inline(__always)
    static func plain(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote
        let hasBackslash = (backslash &- ones) & ~backslash
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl | word) & highs == 0
    }

    /// Passes over one escape sequence starting at the backslash.
    private mutating func skipEscape(loneSurrogate: inout Bool) -> Bool {
        index += 1
        guard let kind = peek else { return false }
        switch kind {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 1
            return true
        case UInt8(ascii: "u"):
            guard let unit = hexUnit(at: index + 1) else { return false }
            index += 5
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate paired with an escaped low one is one character; RFC 8259
                // allows it alone too, but parsers differ on what it means.
                if lowSurrogate(at: index) != nil {
                    index += 6
                } else {
                    loneSurrogate = true
                    outsideCommonSubset = true
                }
            case 0xDC00...0xDFFF:
                loneSurrogate = true
                outsideCommonSubset = true
            default:
                break
            }
            return true
        default:
            return false
        }
    }

    /// The escaped low surrogate at `position` (`\uDC00`…`\uDFFF`), if one is there.
    private func lowSurrogate(at position: Int) -> UInt32? {
        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u"),
              let low = hexUnit(at: position + 2), (0xDC00...0xDFFF).contains(low) else { return nil }
        return low
    }

    /// Consumes the sequence that `lead` starts; false for malformed, overlong or surrogate
    /// sequences and code points above U+10FFFF.
    private mutating func skipUTF8Sequence(lead: UInt8) -> Bool {
        let (count, lowest, highest): (Int, UInt8, UInt8) = switch lead {
        case 0xC2...0xDF: (1, 0x80, 0xBF)
        case 0xE0: (2, 0xA0, 0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (2, 0x80, 0xBF)
        case 0xED: (2, 0x80, 0x9F)
        case 0xF0: (3, 0x90, 0xBF)
        case 0xF1...0xF3: (3, 0x80, 0xBF)
        case 0xF4: (3, 0x80, 0x8F)
        default: (0, 1, 0)
        }
        index += 1
        guard count > 0, let second = peek, (lowest...highest).contains(second) else { return false }
        index += 1
        for _ in 1..<count {
            guard let next = peek, (0x80...0xBF).contains(next) else { return false }
            index += 1
        }
        return true
    }

    /// The four hex digits at `position` as a UTF-16 code unit.
    private func hexUnit(at position: Int) -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[position + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// The text of a string token, with its escapes decoded; a lone surrogate becomes U+FFFD.
    public func text(of token: StringToken) -> String {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[token.contents])
        guard token.escaped else { return String(decoding: raw, as: UTF8.self) }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count)
        var position = token.contents.lowerBound
        while position < token.contents.upperBound {
            let byte = bytes[position]
            guard byte == UInt8(ascii: "\\") else {
                decoded.append(byte)
                position += 1
                continue
            }
            let kind = bytes[position + 1]
            position += 2
            switch kind {
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                // `string()` checked the digits already.
                var scalar = hexUnit(at: position) ?? 0xFFFD
                position += 4
                if (0xD800...0xDBFF).contains(scalar), let low = lowSurrogate(at: position) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    position += 6
                }
                decoded.append(contentsOf: String(Unicode.Scalar(scalar) ?? "\u{FFFD}").utf8)
            default: decoded.append(kind) // \" \\ \/
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    /// Whether the string token's raw bytes equal `key` (for keys known to need no escapes).
    public func token(_ token: StringToken, is key: StaticString) -> Bool {
        guard !token.escaped, token.contents.count == key.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        return expected.elementsEqual(UnsafeRawBufferPointer(rebasing: bytes[token.contents]))
    }
}

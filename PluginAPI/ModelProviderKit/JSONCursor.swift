/// A strict, allocation-free reader of JSON text for the streaming fast path. It validates what
/// it passes over and answers "not sure" (false or nil) for anything outside a conservative
/// subset of JSON: numbers with an exponent or more than 15 digits, strings with a lone
/// surrogate escape, nesting deeper than 32. The caller then falls back to full parsing, so
/// what the cursor accepts is always JSON that Foundation's parser reads the same way.
struct JSONCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// A string token: the range of its bytes between the quotes, and whether it has escapes.
    struct StringToken {
        let contents: Range<Int>
        let escaped: Bool
    }

    var atEnd: Bool { index == bytes.count }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Consumes `byte` (after whitespace) if it comes next.
    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard peek == byte else { return false }
        index += 1
        return true
    }

    /// Reads a string token (after whitespace), checking every escape.
    mutating func string() -> StringToken? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        var escaped = false
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                defer { index += 1 }
                return StringToken(contents: start..<index, escaped: escaped)
            case UInt8(ascii: "\\"):
                escaped = true
                guard skipEscape() else { return nil }
            case 0..<0x20:
                return nil // control characters must be escaped
            default:
                index += 1
            }
        }
        return nil
    }

    /// Passes over one escape sequence starting at the backslash.
    private mutating func skipEscape() -> Bool {
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
                // A high surrogate must be followed by an escaped low one.
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u"),
                      let low = hexUnit(at: index + 2), (0xDC00...0xDFFF).contains(low) else { return false }
                index += 6
                return true
            case 0xDC00...0xDFFF:
                return false
            default:
                return true
            }
        default:
            return false
        }
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

    /// The text of a string token, with its escapes decoded.
    func text(of token: StringToken) -> String {
        let raw = UnsafeBufferPointer(rebasing: bytes[token.contents])
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
                // `string()` checked the digits and the surrogate pairing already.
                var scalar = hexUnit(at: position) ?? 0xFFFD
                position += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    let low = hexUnit(at: position + 2) ?? 0xDC00
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    position += 6
                }
                decoded.append(contentsOf: String(Unicode.Scalar(scalar) ?? "\u{FFFD}").utf8)
            default: decoded.append(kind) // \" \\ \/
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    /// Whether the string token's raw bytes equal `key` (keys the fast path knows have no escapes).
    func token(_ token: StringToken, is key: StaticString) -> Bool {
        guard !token.escaped, token.contents.count == key.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        return expected.elementsEqual(UnsafeBufferPointer(rebasing: bytes[token.contents]))
    }

    /// Consumes `null` (after whitespace) if it comes next.
    mutating func null() -> Bool { literal("null") }

    private mutating func literal(_ word: StaticString) -> Bool {
        skipWhitespace()
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
              UnsafeBufferPointer(start: word.utf8Start, count: count).elementsEqual(UnsafeBufferPointer(rebasing: bytes[index..<index + count]))
        else { return false }
        index += count
        return true
    }

    /// Passes over a number of at most 15 integer and 15 fraction digits, without exponent.
    mutating func number() -> Bool {
        skipWhitespace()
        if peek == UInt8(ascii: "-") { index += 1 }
        let integer = digits()
        guard (1...15).contains(integer), integer == 1 || bytes[index - integer] != UInt8(ascii: "0") else { return false }
        if peek == UInt8(ascii: ".") {
            index += 1
            guard (1...15).contains(digits()) else { return false }
        }
        return peek != UInt8(ascii: "e") && peek != UInt8(ascii: "E")
    }

    private mutating func digits() -> Int {
        let start = index
        while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
        return index - start
    }

    /// Passes over any value, checking it.
    mutating func skipValue(depth: Int = 0) -> Bool {
        guard depth < 32 else { return false }
        skipWhitespace()
        switch peek {
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "{"):
            index += 1
            if consume(UInt8(ascii: "}")) { return true }
            repeat {
                guard string() != nil, consume(UInt8(ascii: ":")), skipValue(depth: depth + 1) else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            index += 1
            if consume(UInt8(ascii: "]")) { return true }
            repeat {
                guard skipValue(depth: depth + 1) else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "]"))
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }
}

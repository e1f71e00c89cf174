/// The one reader of JSON text in Market: the host checks every plugin result with it, lays
/// out and parses JSON with it, and model-provider plugins recognise streamed chunks with it.
/// It reads bytes in place, allocates nothing, and validates what it passes over against
/// RFC 8259, including the UTF-8 of strings.
///
/// It lives in a target of its own, with no dependencies, so the plugin SDK
/// (`ModelProviderKit`) and the host (`MarketCore`) share it without either depending on the
/// other.
public struct JSONScanner {
    /// Nesting deeper than this is refused, so hostile input cannot exhaust the stack.
    public static let maximumDepth = 128

    public let bytes: UnsafeRawBufferPointer
    public internal(set) var index = 0

    /// Set once the scanner has passed valid JSON that parsers read differently: a number with
    /// an exponent or more than 15 digits before or after the point (which a `Double` may not
    /// hold, or may round), or an escaped lone surrogate (which Foundation refuses). A fast
    /// path that must mean what a full parse means gives up when it is set.
    public internal(set) var outsideCommonSubset = false

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = UnsafeRawBufferPointer(bytes)
    }

    /// A string token: the range of its bytes between the quotes, whether it has escapes, and
    /// whether one of them is a lone surrogate (which no Unicode text holds).
    public struct StringToken {
        public let contents: Range<Int>
        public let escaped: Bool
        public let loneSurrogate: Bool

        /// A token kept from an earlier scan of the same bytes (a parsed document's index).
        public init(contents: Range<Int>, escaped: Bool, loneSurrogate: Bool) {
            self.contents = contents
            self.escaped = escaped
            self.loneSurrogate = loneSurrogate
        }
    }

    /// A number token: its text, and whether it is written as an integer (no point, no exponent).
    public struct NumberToken {
        public let text: Range<Int>
        public let isInteger: Bool
    }

    public var atEnd: Bool { index == bytes.count }

    public var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// Whether `bytes` are exactly one JSON value, with nothing but whitespace around it.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var scanner = JSONScanner(bytes)
        guard scanner.skipValue() else { return false }
        scanner.skipWhitespace()
        return scanner.atEnd
    }

    public mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Consumes `byte` (after whitespace) if it comes next.
    public mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard peek == byte else { return false }
        index += 1
        return true
    }

    /// Consumes `null` (after whitespace) if it comes next.
    public mutating func null() -> Bool { literal("null") }

    /// Consumes `word` (after whitespace) if it comes next.
    public mutating func literal(_ word: StaticString) -> Bool {
        skipWhitespace()
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// Passes over any value (after whitespace), checking it; `depth` is how many containers
    /// enclose it.
    public mutating func skipValue(depth: Int = 0) -> Bool {
        guard depth < Self.maximumDepth else { return false }
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
        default: return number() != nil
        }
    }

    /// Reads a number token (after whitespace).
    public mutating func number() -> NumberToken? {
        skipWhitespace()
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        let integer = digits()
        guard integer == 1 || (integer > 1 && bytes[index - integer] != UInt8(ascii: "0")) else { return nil }
        var isInteger = true
        if integer > 15 { outsideCommonSubset = true }
        if peek == UInt8(ascii: ".") {
            index += 1
            isInteger = false
            let fraction = digits()
            guard fraction > 0 else { return nil }
            if fraction > 15 { outsideCommonSubset = true }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            isInteger = false
            outsideCommonSubset = true
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return nil }
        }
        return NumberToken(text: start..<index, isInteger: isInteger)
    }

    private mutating func digits() -> Int {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - start
    }
}

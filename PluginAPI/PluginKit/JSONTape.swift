import Foundation
import JSONScanning

/// A JSON document read once into a flat index: one entry per value, in document order, each
/// container's entry saying where its last member ends. `PluginJSON`'s decoder finds keys and
/// elements by walking this index and reads strings and numbers in place only when asked, so
/// a tool's arguments or a service's answer cost one pass and two allocations.
final class JSONTape {
    enum Kind: UInt8 {
        case object, array, string, number, integer, `true`, `false`, null
    }

    struct Entry {
        var kind: Kind
        /// A string's content has escapes; a number is written as an integer.
        var escaped: Bool
        /// The bytes of a string's contents or a number's text.
        var start: Int32
        var end: Int32
        /// The index of the entry after this value and everything inside it.
        var next: Int32
    }

    /// A copy of the document, owned by the tape.
    let bytes: UnsafeRawBufferPointer
    private(set) var entries: [Entry] = []

    /// Reads `source`; nil when it is not exactly one JSON value (whitespace around it aside),
    /// or nests deeper than `JSONScanner.maximumDepth`.
    init?(_ source: UnsafeRawBufferPointer) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 1)
        if let base = source.baseAddress { copy.baseAddress!.copyMemory(from: base, byteCount: source.count) }
        bytes = UnsafeRawBufferPointer(rebasing: copy[0..<source.count])
        entries.reserveCapacity(max(8, source.count / 8))
        var scanner = JSONScanner(bytes)
        guard bytes.count < Int32.max, read(&scanner, depth: 0) else { return nil }
        scanner.skipWhitespace()
        guard scanner.atEnd else { return nil }
    }

    deinit {
        UnsafeMutableRawBufferPointer(mutating: bytes).deallocate()
    }

    private func read(_ scanner: inout JSONScanner, depth: Int) -> Bool {
        guard depth < JSONScanner.maximumDepth else { return false }
        scanner.skipWhitespace()
        let at = entries.count
        switch scanner.peek {
        case UInt8(ascii: "{"):
            entries.append(Entry(kind: .object, escaped: false, start: 0, end: 0, next: 0))
            _ = scanner.consume(UInt8(ascii: "{"))
            if !scanner.consume(UInt8(ascii: "}")) {
                repeat {
                    guard let key = scanner.string(), scanner.consume(UInt8(ascii: ":")) else { return false }
                    append(key)
                    guard read(&scanner, depth: depth + 1) else { return false }
                } while scanner.consume(UInt8(ascii: ","))
                guard scanner.consume(UInt8(ascii: "}")) else { return false }
            }
        case UInt8(ascii: "["):
            entries.append(Entry(kind: .array, escaped: false, start: 0, end: 0, next: 0))
            _ = scanner.consume(UInt8(ascii: "["))
            if !scanner.consume(UInt8(ascii: "]")) {
                repeat {
                    guard read(&scanner, depth: depth + 1) else { return false }
                } while scanner.consume(UInt8(ascii: ","))
                guard scanner.consume(UInt8(ascii: "]")) else { return false }
            }
        case UInt8(ascii: "\""):
            guard let token = scanner.string() else { return false }
            append(token)
        case UInt8(ascii: "t"):
            guard scanner.literal("true") else { return false }
            entries.append(Entry(kind: .true, escaped: false, start: 0, end: 0, next: 0))
        case UInt8(ascii: "f"):
            guard scanner.literal("false") else { return false }
            entries.append(Entry(kind: .false, escaped: false, start: 0, end: 0, next: 0))
        case UInt8(ascii: "n"):
            guard scanner.null() else { return false }
            entries.append(Entry(kind: .null, escaped: false, start: 0, end: 0, next: 0))
        default:
            guard let number = scanner.number() else { return false }
            entries.append(Entry(kind: number.isInteger ? .integer : .number, escaped: false,
                                 start: Int32(number.text.lowerBound), end: Int32(number.text.upperBound), next: 0))
        }
        entries[at].next = Int32(entries.count)
        return true
    }

    private func append(_ token: JSONScanner.StringToken) {
        // A lone surrogate reads as U+FFFD, as JSONScanner.text(of:) decodes it.
        entries.append(Entry(kind: .string, escaped: token.escaped, start: Int32(token.contents.lowerBound),
                             end: Int32(token.contents.upperBound), next: 0))
    }

    /// The entry after value `index` and everything inside it.
    func next(after index: Int) -> Int { Int(entries[index].next) }

    /// The text of string entry `index`, its escapes decoded.
    func string(at index: Int) -> String {
        let entry = entries[index]
        let range = Int(entry.start)..<Int(entry.end)
        guard entry.escaped else { return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
        return JSONScanner(bytes).text(of: JSONScanner.StringToken(contents: range, escaped: true, loneSurrogate: false))
    }

    /// Whether string entry `index` reads as `key`, compared in place when it has no escapes.
    func string(at index: Int, equals key: String) -> Bool {
        let entry = entries[index]
        guard !entry.escaped else { return string(at: index) == key }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[Int(entry.start)..<Int(entry.end)])
        var key = key
        return key.withUTF8 { utf8 in
            utf8.count == raw.count && (utf8.isEmpty || memcmp(utf8.baseAddress!, raw.baseAddress!, raw.count) == 0)
        }
    }

    /// The text of number entry `index`.
    func numberText(at index: Int) -> Substring {
        let entry = entries[index]
        return Substring(decoding: UnsafeRawBufferPointer(rebasing: bytes[Int(entry.start)..<Int(entry.end)]), as: UTF8.self)
    }

    /// Number entry `index` as an exact integer: its digits when it is written as one (nil past
    /// Int64), otherwise a double with no fraction (`1.0`, `1e2`), as Foundation's decoder accepts.
    func integer(at index: Int) -> Int64? {
        guard entries[index].kind == .number else { return Int64(numberText(at: index)) }
        guard let value = Double(numberText(at: index)), value.rounded() == value,
              value >= -9.223372036854775808e18, value < 9.223372036854775808e18 else { return nil }
        return Int64(value)
    }
}

import Foundation
import JSONScanning

/// Reading JSON text into a value with the shared scanner, in one pass: integers are read from
/// their digits, so none is rounded through a `Double`.
extension JSONValue {
    /// Parses JSON text into a value; throws on invalid JSON (RFC 8259: no trailing commas),
    /// on a string with a lone surrogate escape, and on a number too large for a `Double`.
    /// Of members with the same key, the first is kept (as Foundation's decoder keeps it).
    public init(parsing text: String) throws {
        var text = text
        let parsed = text.withUTF8 { utf8 in
            var scanner = JSONScanner(utf8)
            let value = Self.read(&scanner, depth: 0)
            scanner.skipWhitespace()
            return scanner.atEnd ? value : nil
        }
        guard let parsed else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not valid JSON"))
        }
        self = parsed
    }

    /// Reads one value (after whitespace) that `depth` containers enclose; nil when the text
    /// there is not one, or when `refusingRepeats` and an object in it repeats a member name.
    static func read(_ scanner: inout JSONScanner, depth: Int, refusingRepeats: Bool = false) -> JSONValue? {
        guard depth < JSONScanner.maximumDepth else { return nil }
        scanner.skipWhitespace()
        switch scanner.peek {
        case UInt8(ascii: "\""):
            guard let token = scanner.string(), !token.loneSurrogate else { return nil }
            return .string(scanner.text(of: token))
        case UInt8(ascii: "["):
            _ = scanner.consume(UInt8(ascii: "["))
            var elements: [JSONValue] = []
            if scanner.consume(UInt8(ascii: "]")) { return .array(elements) }
            repeat {
                guard let element = read(&scanner, depth: depth + 1, refusingRepeats: refusingRepeats) else { return nil }
                elements.append(element)
            } while scanner.consume(UInt8(ascii: ","))
            return scanner.consume(UInt8(ascii: "]")) ? .array(elements) : nil
        case UInt8(ascii: "{"):
            _ = scanner.consume(UInt8(ascii: "{"))
            var members: [String: JSONValue] = [:]
            if scanner.consume(UInt8(ascii: "}")) { return .object(members) }
            repeat {
                guard let key = scanner.string(), !key.loneSurrogate, scanner.consume(UInt8(ascii: ":")),
                      let value = read(&scanner, depth: depth + 1, refusingRepeats: refusingRepeats) else { return nil }
                let name = scanner.text(of: key)
                if members[name] == nil { members[name] = value } else if refusingRepeats { return nil }
            } while scanner.consume(UInt8(ascii: ","))
            return scanner.consume(UInt8(ascii: "}")) ? .object(members) : nil
        case UInt8(ascii: "t"): return scanner.literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return scanner.literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return scanner.null() ? .null : nil
        default:
            guard let token = scanner.number() else { return nil }
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: scanner.bytes[token.text]), as: UTF8.self)
            // -0 is an integer by its digits, but only a Double keeps its sign.
            if token.isInteger, let integer = Int64(text), integer != 0 || text.first != "-" { return .integer(integer) }
            guard let number = Double(text), number.isFinite else { return nil }
            return .number(number)
        }
    }
}

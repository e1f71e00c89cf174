import JSONScanning

/// Finding a member name that an object repeats, at any depth. JSON readers disagree on
/// `{"n": 1, "n": "evil"}`: `JSONValue(parsing:)` and Foundation keep the first value, Python,
/// JavaScript and most C helpers the last. A check on one reading proves nothing about the
/// other, so tool arguments must give each member once.
extension JSONSyntax {
    /// The JSON Pointer (`/n`, `/filter/n`, `/items/0/n`) of the first member whose name an
    /// earlier member of the same object already has, or nil when there is none or the text
    /// before one is not JSON (the text after it is not read). Names are compared as they decode, as the parsed value's dictionary compares
    /// them: `"\u0061"` is `"a"`, and canonically equivalent names (`"\u212A"`, the Kelvin
    /// sign, and `"K"`) are the same name.
    public static func firstRepeatedName(in text: String) -> String? {
        var text = text
        return text.withUTF8 { utf8 in
            var scanner = JSONScanner(utf8)
            if case .repeated(let pointer) = repeatedName(&scanner, depth: 0) { return pointer }
            return nil
        }
    }

    private enum Reading {
        case once, invalid
        /// The repeated member, by its pointer from the value read.
        case repeated(String)
    }

    /// Reads one value, stopping at the first repeated name. A rare path (the byte walk refused
    /// the text, or the tool has no schema), so it keeps a set of names per object; pointers are
    /// only built for the one repeated member.
    private static func repeatedName(_ scanner: inout JSONScanner, depth: Int) -> Reading {
        guard depth < JSONScanner.maximumDepth else { return .invalid }
        scanner.skipWhitespace()
        switch scanner.peek {
        case UInt8(ascii: "{"):
            _ = scanner.consume(UInt8(ascii: "{"))
            if scanner.consume(UInt8(ascii: "}")) { return .once }
            var names: Set<String> = []
            repeat {
                guard let key = scanner.string(), scanner.consume(UInt8(ascii: ":")) else { return .invalid }
                let name = scanner.text(of: key)
                guard names.insert(name).inserted else { return .repeated(JSONPointer.appending("", name)) }
                switch repeatedName(&scanner, depth: depth + 1) {
                case .once: break
                case .invalid: return .invalid
                case .repeated(let inner): return .repeated(JSONPointer.appending("", name) + inner)
                }
            } while scanner.consume(UInt8(ascii: ","))
            return scanner.consume(UInt8(ascii: "}")) ? .once : .invalid
        case UInt8(ascii: "["):
            _ = scanner.consume(UInt8(ascii: "["))
            if scanner.consume(UInt8(ascii: "]")) { return .once }
            var index = 0
            repeat {
                switch repeatedName(&scanner, depth: depth + 1) {
                case .once: break
                case .invalid: return .invalid
                case .repeated(let inner): return .repeated(JSONPointer.appending("", index) + inner)
                }
                index += 1
            } while scanner.consume(UInt8(ascii: ","))
            return scanner.consume(UInt8(ascii: "]")) ? .once : .invalid
        default:
            return scanner.skipValue(depth: depth) ? .once : .invalid
        }
    }
}

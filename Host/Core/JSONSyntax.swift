import JSONScanning

/// Whether bytes are exactly one well-formed JSON value (RFC 8259), checked without building
/// it: every result a plugin returns passes here before the host passes it on. The reading is
/// the shared `JSONScanner`'s.
public enum JSONSyntax {
    /// Nesting deeper than this is refused, so a hostile result cannot exhaust the stack.
    public static let maximumDepth = JSONScanner.maximumDepth

    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        JSONScanner.isValid(bytes)
    }

    public static func isValid(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isValid(UnsafeRawBufferPointer($0)) }
    }

    /// Whether `text` is one well-formed JSON object, checked without building it.
    public static func isObject(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isObject(UnsafeRawBufferPointer($0)) }
    }

    /// Whether `bytes` are one well-formed JSON object, checked without building it.
    public static func isObject(_ bytes: UnsafeRawBufferPointer) -> Bool {
        opensObject(bytes) && isValid(bytes)
    }

    /// Whether the first byte after whitespace is `{`; the rest is not looked at.
    public static func opensObject(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }) == UInt8(ascii: "{")
    }
}

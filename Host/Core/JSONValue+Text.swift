/// JSON text of a value, written directly: the host writes JSON for every event, message and
/// batch of rows it stores, and Foundation's encoder, going through `Encodable` for each
/// value, costs several times more. The output is the encoder's, byte for byte (sorted keys,
/// slashes unescaped); a test holds the two to that.
extension JSONValue {
    /// Compact JSON text with sorted keys, so equal values print equally; "null" when a number
    /// is not finite (JSON has no way to write it).
    public var jsonText: String {
        var text = ""
        text.reserveCapacity(64)
        guard Self.write(self, into: &text) else { return "null" }
        return text
    }

    /// Appends `value`'s JSON; false when a number is not finite.
    private static func write(_ value: JSONValue, into text: inout String) -> Bool {
        switch value {
        case .null: text += "null"
        case .bool(let flag): text += flag ? "true" : "false"
        case .integer(let integer): text += String(integer)
        case .number(let number):
            guard number.isFinite else { return false }
            writeNumber(number, into: &text)
        case .string(let string): writeString(string, into: &text)
        case .array(let elements):
            text += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { text += "," }
                guard write(element, into: &text) else { return false }
            }
            text += "]"
        case .object(let members):
            text += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { text += "," }
                writeString(key, into: &text)
                text += ":"
                guard write(members[key]!, into: &text) else { return false }
            }
            text += "}"
        }
        return true
    }

    private static func writeNumber(_ number: Double, into text: inout String) {
        if number == number.rounded(.towardZero), abs(number) < 1e15 {
            text += number == 0 && number.sign == .minus ? "-0" : String(Int64(number))
        } else {
            var description = number.description
            if description.hasSuffix(".0") { description.removeLast(2) }
            text += description
        }
    }

    private static let hex: [Character] = Array("0123456789abcdef")

    private static func writeString(_ string: String, into text: inout String) {
        text += "\""
        // Runs of bytes that need no escape are copied whole; escapes are all ASCII, so the
        // indices between runs fall on character boundaries.
        let utf8 = string.utf8
        var plainStart = utf8.startIndex
        var index = plainStart
        while index != utf8.endIndex {
            let byte = utf8[index]
            let escape: String?
            switch byte {
            case UInt8(ascii: "\""): escape = "\\\""
            case UInt8(ascii: "\\"): escape = "\\\\"
            case 0x08: escape = "\\b"
            case 0x0C: escape = "\\f"
            case 0x0A: escape = "\\n"
            case 0x0D: escape = "\\r"
            case 0x09: escape = "\\t"
            case 0..<0x20: escape = "\\u00" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
            default: escape = nil
            }
            if let escape {
                text += string[plainStart..<index]
                text += escape
                plainStart = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        text += string[plainStart..<utf8.endIndex]
        text += "\""
    }
}

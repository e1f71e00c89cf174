/// Text from outside (registries, packages, plugins) made safe to print: control characters
/// (which drive the terminal: colours, cursor moves, titles, clearing the screen) and the
/// characters that reorder text on screen (bidirectional overrides and isolates, U+202E among
/// them) are shown as `\u{…}` escapes instead of acting.
public enum TerminalText {
    /// `text` with every unsafe character escaped; newlines and tabs too unless `multiline`.
    public static func escape(_ text: String, multiline: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { isUnsafe($0, multiline: multiline) }) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar, multiline: multiline) {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// C0 and C1 controls, DEL, and the bidirectional formatting characters.
    static func isUnsafe(_ scalar: Unicode.Scalar, multiline: Bool) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: !multiline
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}

/// An event type pattern from `permissions.events.subscribe`: an exact type (`lead.created`),
/// a prefix (`lead.*` matches `lead.created` and `lead.won.big`), or `*` for everything.
public struct EventTypePattern: Sendable, Hashable {
    public let text: String

    public init?(_ text: String) {
        guard Self.isValid(text) else { return nil }
        self.text = text
    }

    public func matches(_ type: String) -> Bool {
        if text == "*" { return true }
        if text.hasSuffix(".*") { return type.hasPrefix(text.dropLast()) }
        return type == text
    }

    static func isValid(_ text: String) -> Bool {
        if text == "*" { return true }
        return isValidType(text.hasSuffix(".*") ? String(text.dropLast(2)) : text)
    }

    /// Dotted segments of lower-case letters, digits, `_` and `-`.
    public static func isValidType(_ text: String) -> Bool {
        let segments = text.split(separator: ".", omittingEmptySubsequences: false)
        return (1...128).contains(text.utf8.count) && segments.allSatisfy { segment in
            !segment.isEmpty && segment.utf8.allSatisfy { $0.isLowerAlphanumeric || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
        }
    }
}

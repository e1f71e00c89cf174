extension StringProtocol {
    /// Without leading and trailing white space and line ends. Foundation's
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` looks each character up in Unicode
    /// tables and cost more than the rest of a CRM tool call; `Character.isWhitespace` does not.
    public var trimmed: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}

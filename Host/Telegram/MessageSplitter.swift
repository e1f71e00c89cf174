/// Splits Telegram HTML into parts Telegram accepts: at most `limit` characters of visible text
/// each (Telegram counts UTF-16 code units after parsing entities), cut at the best boundary in
/// the part's second half — a paragraph, else a line, a sentence, a word — and never inside a
/// tag or an entity. Tags open at a cut are closed at the end of the part and opened again at
/// the start of the next, so every part is valid HTML on its own.
public enum MessageSplitter {
    /// Telegram's limit for a message's text.
    public static let telegramLimit = 4096

    /// The parts of `html`, in order; whitespace-only parts are dropped.
    public static func split(_ html: String, limit: Int = telegramLimit) -> [String] {
        let tokens = tokenize(html)
        var parts: [String] = []
        var start = 0
        var open: [Token] = []
        while start < tokens.count {
            let (end, stackAtEnd) = cut(tokens, from: start, open: open, limit: max(1, limit))
            var part = open.map(\.raw).joined()
            var visible = ""
            for token in tokens[start..<end] {
                part += token.raw
                if token.kind == .text { visible += token.raw }
                if token.kind == .entity { visible += "x" }
            }
            part += stackAtEnd.reversed().map { "</\($0.name)>" }.joined()
            if !visible.allSatisfy(\.isWhitespace) { parts.append(part) }
            open = stackAtEnd
            start = end
        }
        return parts
    }

    /// Where the part starting at `start` ends, and the tags open there.
    private static func cut(_ tokens: [Token], from start: Int, open: [Token], limit: Int) -> (Int, [Token]) {
        var stack = open
        var visible = 0
        // The last boundary of each kind: (token index after it, visible count, stack there).
        var boundaries: [Boundary: (end: Int, visible: Int, stack: [Token])] = [:]
        var index = start
        while index < tokens.count {
            let token = tokens[index]
            if visible + token.width > limit { break }
            visible += token.width
            switch token.kind {
            case .open: stack.append(token)
            case .close: if !stack.isEmpty { stack.removeLast() }
            case .text, .entity: break
            }
            index += 1
            if let kind = boundary(tokens, after: index) { boundaries[kind] = (index, visible, stack) }
            boundaries[.any] = (index, visible, stack)
        }
        if index >= tokens.count { return (index, stack) }
        // Prefer the strongest boundary in the second half, so parts stay long.
        for kind in Boundary.allCases where kind != .any {
            if let found = boundaries[kind], found.visible >= limit / 2 { return (found.end, found.stack) }
        }
        for kind in Boundary.allCases {
            if let found = boundaries[kind], found.end > start { return (found.end, found.stack) }
        }
        return (max(index, start + 1), stack)
    }

    private enum Boundary: CaseIterable { case paragraph, line, sentence, word, any }

    /// The boundary that ends just before `tokens[index]`, if any.
    private static func boundary(_ tokens: [Token], after index: Int) -> Boundary? {
        guard index >= 1 else { return nil }
        let last = tokens[index - 1]
        guard last.kind == .text else { return nil }
        let previous = index >= 2 && tokens[index - 2].kind == .text ? tokens[index - 2].raw : ""
        switch last.raw {
        case "\n": return previous == "\n" ? .paragraph : .line
        case " ": return [".", "!", "?", "…"].contains(previous) ? .sentence : .word
        default: return nil
        }
    }

    struct Token {
        enum Kind { case open, close, text, entity }
        let kind: Kind
        let raw: String
        /// The tag's name, for open and close tags.
        let name: String

        /// Visible characters as Telegram counts them (UTF-16 code units).
        var width: Int {
            switch kind {
            case .open, .close: 0
            case .entity: 1
            case .text: raw.utf16.count
            }
        }
    }

    /// Tags, entities and single characters.
    static func tokenize(_ html: String) -> [Token] {
        var tokens: [Token] = []
        var index = html.startIndex
        while index < html.endIndex {
            let character = html[index]
            if character == "<", let end = html[index...].firstIndex(of: ">") {
                let raw = String(html[index...end])
                let inner = raw.dropFirst().dropLast()
                let closing = inner.hasPrefix("/")
                let name = String((closing ? inner.dropFirst() : inner).prefix { $0 != " " && $0 != "/" })
                tokens.append(Token(kind: closing ? .close : .open, raw: raw, name: name))
                index = html.index(after: end)
            } else if character == "&", let end = html[index...].prefix(12).firstIndex(of: ";") {
                tokens.append(Token(kind: .entity, raw: String(html[index...end]), name: ""))
                index = html.index(after: end)
            } else {
                tokens.append(Token(kind: .text, raw: String(character), name: ""))
                index = html.index(after: index)
            }
        }
        return tokens
    }
}

/// Renders a model's Markdown into the HTML subset Telegram accepts (`parse_mode: HTML`):
/// bold, italic, strike-through, inline code, fenced code blocks, links, headings (as bold)
/// and bullets, with `<`, `>` and `&` escaped everywhere else. Markup that does not close on
/// its line is kept as literal text, so the output is always well-formed.
public enum TelegramHTML {
    /// The Telegram HTML for `markdown`.
    public static func render(markdown: String) -> String {
        var output: [String] = []
        var codeBlock: (language: String, lines: [String])?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingLeadingSpaces()
            if trimmed.hasPrefix("```") {
                if let block = codeBlock {
                    output.append(pre(block.lines.joined(separator: "\n"), language: block.language))
                    codeBlock = nil
                } else {
                    codeBlock = (String(trimmed.dropFirst(3)).trimmingLeadingSpaces(), [])
                }
                continue
            }
            if codeBlock != nil {
                codeBlock?.lines.append(line)
                continue
            }
            output.append(renderLine(line))
        }
        // An unclosed fence still shows its code as code.
        if let block = codeBlock { output.append(pre(block.lines.joined(separator: "\n"), language: block.language)) }
        return output.joined(separator: "\n")
    }

    /// `text` with `<`, `>` and `&` as entities, as Telegram HTML requires outside tags.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "&": result += "&amp;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }

    /// The text a reader sees: tags removed and entities decoded. Sent without `parse_mode`
    /// when Telegram refuses a part's HTML.
    public static func plainText(html: String) -> String {
        var result = ""
        var index = html.startIndex
        while index < html.endIndex {
            let character = html[index]
            if character == "<", let end = html[index...].firstIndex(of: ">") {
                index = html.index(after: end)
                continue
            }
            if character == "&", let end = html[index...].prefix(10).firstIndex(of: ";") {
                let name = html[html.index(after: index)..<end]
                if let decoded = decodeEntity(name) {
                    result.append(decoded)
                    index = html.index(after: end)
                    continue
                }
            }
            result.append(character)
            index = html.index(after: index)
        }
        return result
    }

    private static func decodeEntity(_ name: Substring) -> Character? {
        switch name {
        case "lt": return "<"
        case "gt": return ">"
        case "amp": return "&"
        case "quot": return "\""
        default:
            if name.hasPrefix("#x"), let value = UInt32(name.dropFirst(2), radix: 16), let scalar = Unicode.Scalar(value) { return Character(scalar) }
            if name.hasPrefix("#"), let value = UInt32(name.dropFirst()), let scalar = Unicode.Scalar(value) { return Character(scalar) }
            return nil
        }
    }

    private static func pre(_ code: String, language: String) -> String {
        let safeLanguage = language.filter { $0.isLetter || $0.isNumber || "+-_#".contains($0) }
        if safeLanguage.isEmpty { return "<pre>\(escape(code))</pre>" }
        return "<pre><code class=\"language-\(safeLanguage)\">\(escape(code))</code></pre>"
    }

    private static func renderLine(_ line: String) -> String {
        let trimmed = line.trimmingLeadingSpaces()
        let indent = String(line.prefix(line.count - trimmed.count))
        if let heading = trimmed.headingText { return "<b>\(inline(heading))</b>" }
        for bullet in ["- ", "* ", "+ "] where trimmed.hasPrefix(bullet) {
            return indent + "• " + inline(String(trimmed.dropFirst(2)))
        }
        return inline(line)
    }

    /// Inline markup: `code`, **bold**, __bold__, *italic*, _italic_, ~~strike~~, [text](url).
    static func inline(_ text: String) -> String {
        let characters = Array(text)
        var result = ""
        var index = 0
        while index < characters.count {
            let rest = characters[index...]
            if characters[index] == "`", let end = characters[(index + 1)...].firstIndex(of: "`"), end > index + 1 {
                result += "<code>\(escape(String(characters[(index + 1)..<end])))</code>"
                index = end + 1
                continue
            }
            if characters[index] == "[", let link = link(characters, at: index) {
                result += "<a href=\"\(escape(link.url))\">\(inline(link.label))</a>"
                index = link.end
                continue
            }
            var matched = false
            for (marker, tag) in [("**", "b"), ("__", "b"), ("~~", "s"), ("*", "i"), ("_", "i")] where rest.starts(with: marker) {
                if let end = closing(marker, in: characters, from: index) {
                    let inner = String(characters[(index + marker.count)..<end])
                    result += "<\(tag)>\(inline(inner))</\(tag)>"
                    index = end + marker.count
                    matched = true
                }
                break
            }
            if matched { continue }
            result += escape(String(characters[index]))
            index += 1
        }
        return result
    }

    /// Where `marker` opening at `start` closes, if it does: the content is not empty and does
    /// not start or end with a space, and `_` markers sit at word edges (snake_case stays).
    private static func closing(_ marker: String, in characters: [Character], from start: Int) -> Int? {
        let width = marker.count
        let contentStart = start + width
        guard contentStart < characters.count, characters[contentStart] != " " else { return nil }
        if marker.hasPrefix("_"), start > 0, characters[start - 1].isLetter || characters[start - 1].isNumber { return nil }
        var index = contentStart + 1
        let markerCharacters = Array(marker)
        while index + width <= characters.count {
            if Array(characters[index..<(index + width)]) == markerCharacters, characters[index - 1] != " " {
                let after = index + width
                let wordEdge = !marker.hasPrefix("_") || after >= characters.count || !(characters[after].isLetter || characters[after].isNumber)
                // A single `*` must not be the first half of `**`.
                let notDoubled = width == 2 || after >= characters.count || characters[after] != markerCharacters[0]
                if wordEdge, notDoubled { return index }
            }
            index += 1
        }
        return nil
    }

    private static func link(_ characters: [Character], at start: Int) -> (label: String, url: String, end: Int)? {
        guard let close = characters[start...].firstIndex(of: "]"), close + 1 < characters.count, characters[close + 1] == "(",
              let end = characters[(close + 2)...].firstIndex(of: ")") else { return nil }
        let url = String(characters[(close + 2)..<end])
        let allowed = ["http://", "https://", "tg://", "mailto:"]
        guard close > start + 1, allowed.contains(where: url.hasPrefix), !url.contains(" ") else { return nil }
        return (String(characters[(start + 1)..<close]), url, end + 1)
    }
}

extension String {
    fileprivate func trimmingLeadingSpaces() -> String { String(drop { $0 == " " || $0 == "\t" }) }

    /// The text of a Markdown ATX heading (`# Title`), or nil.
    fileprivate var headingText: String? {
        let hashes = prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), dropFirst(hashes).first == " " else { return nil }
        return String(dropFirst(hashes + 1))
    }
}

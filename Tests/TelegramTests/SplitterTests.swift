@testable import TelegramChannel
import Testing

@Suite struct SplitterTests {
    /// Checks a part the way Telegram does: tags balanced and no entity or tag cut open.
    static func isValidHTML(_ part: String) -> Bool {
        var stack: [String] = []
        for token in MessageSplitter.tokenize(part) {
            switch token.kind {
            case .open: stack.append(token.name)
            case .close: guard stack.popLast() == token.name else { return false }
            case .text: if token.raw == "<" || token.raw == ">" || token.raw == "&" { return false }
            case .entity: break
            }
        }
        return stack.isEmpty
    }

    static func visibleLength(_ part: String) -> Int { TelegramHTML.plainText(html: part).utf16.count }

    @Test func shortTextIsOnePart() {
        #expect(MessageSplitter.split("<b>hello</b>") == ["<b>hello</b>"])
    }

    @Test func cutsAtAParagraphInTheSecondHalf() {
        let first = String(repeating: "word ", count: 140)  // 700 characters
        let second = String(repeating: "more ", count: 100)
        let parts = MessageSplitter.split(first + "\n\n" + second, limit: 1000)
        #expect(parts.count == 2)
        #expect(parts[0] == first + "\n\n")
        #expect(parts[1] == second)
    }

    @Test func prefersSentencesOverWords() {
        let text = String(repeating: "a", count: 60) + ". " + String(repeating: "b ", count: 30)
        let parts = MessageSplitter.split(text, limit: 80)
        #expect(parts[0].hasSuffix(". "))
    }

    @Test func openTagsAreClosedAndReopened() {
        let html = "<b>" + String(repeating: "bold text ", count: 30) + "</b> <a href=\"https://x.org\">" + String(repeating: "link ", count: 30) + "</a>"
        let parts = MessageSplitter.split(html, limit: 100)
        #expect(parts.count > 3)
        for part in parts {
            #expect(Self.isValidHTML(part), "\(part)")
            #expect(Self.visibleLength(part) <= 100)
        }
        #expect(parts[1].hasPrefix("<b>"))
        #expect(parts.last?.hasPrefix("<a href=\"https://x.org\">") == true)
        // Nothing is lost: the visible text of the parts is the text of the whole.
        #expect(parts.map { TelegramHTML.plainText(html: $0) }.joined() == TelegramHTML.plainText(html: html))
    }

    @Test func neverCutsInsideAnEntityOrATag() {
        let html = String(repeating: "&amp;&lt;<i>x</i>", count: 500)
        let parts = MessageSplitter.split(html, limit: 97)
        for part in parts {
            #expect(Self.isValidHTML(part))
            #expect(Self.visibleLength(part) <= 97)
        }
        #expect(parts.map { TelegramHTML.plainText(html: $0) }.joined() == TelegramHTML.plainText(html: html))
    }

    @Test func anUnbrokenWordIsCutHard() {
        let parts = MessageSplitter.split(String(repeating: "x", count: 250), limit: 100)
        #expect(parts.map(\.count) == [100, 100, 50])
    }

    @Test func countsAsTelegramDoesInUTF16() {
        // Each emoji is two UTF-16 code units.
        let parts = MessageSplitter.split(String(repeating: "😀", count: 100), limit: 50)
        #expect(parts.map(\.count) == [25, 25, 25, 25])
    }
}

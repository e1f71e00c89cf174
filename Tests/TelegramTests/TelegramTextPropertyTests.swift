import PropertyBased
@testable import TelegramChannel
import Testing

/// Rendering a model's Markdown and splitting the HTML, with shrinking generators: a failure
/// shows the shortest Markdown that breaks a property.
@Suite struct TelegramTextPropertyTests {
    /// Pieces of Markdown: words, every markup marker (closed or not), characters HTML must
    /// escape, characters outside the BMP (two UTF-16 units) and line and paragraph breaks.
    static let pieces = [
        "word", " ", ". ", "**", "*", "_", "__", "`", "~~", "[link](https://x.example/a?b=1&c=2)", "\n", "\n\n",
        "- ", "# ", "```", "```swift\n", "<", ">", "&", "\"", "é", "😀", "&amp;", "<b>",
    ]
    static let markdown = Gen.int(in: 0...(pieces.count - 1)).array(of: 0...80).map { $0.map { pieces[$0] }.joined() }

    /// Text with no Markdown markup, but with what HTML must escape.
    static let plainPieces = ["a", "Z", " ", "<", ">", "&", "\"", "é", "😀", "&lt;", "\n"]
    static let plain = Gen.int(in: 0...(plainPieces.count - 1)).array(of: 0...60).map { $0.map { plainPieces[$0] }.joined() }

    @Test func renderingAlwaysGivesValidTelegramHTML() async {
        await propertyCheck(count: 1_000, input: Self.markdown) { markdown in
            let html = TelegramHTML.render(markdown: markdown)
            #expect(SplitterTests.isValidHTML(html), "\(markdown.debugDescription) rendered as \(html.debugDescription)")
        }
    }

    /// Text without markup reads the same after rendering: every character escaped, none lost.
    @Test func renderingKeepsPlainTextAsItIs() async {
        await propertyCheck(count: 1_000, input: Self.plain) { text in
            let html = TelegramHTML.render(markdown: text)
            #expect(TelegramHTML.plainText(html: html) == text, "\(text.debugDescription) rendered as \(html.debugDescription)")
            #expect(TelegramHTML.plainText(html: TelegramHTML.escape(text)) == text)
        }
    }

    /// Every part is valid HTML within the limit, and the parts together show all the text.
    @Test func splittingKeepsEveryPartValidAndWithinTheLimit() async {
        await propertyCheck(count: 1_000, input: Self.markdown, Gen.int(in: 8...200)) { markdown, limit in
            let html = TelegramHTML.render(markdown: markdown)
            let parts = MessageSplitter.split(html, limit: limit)
            for part in parts {
                #expect(SplitterTests.isValidHTML(part), "part \(part.debugDescription) of \(html.debugDescription)")
                #expect(SplitterTests.visibleLength(part) <= limit, "part \(part.debugDescription) is over \(limit)")
            }
            // Only whitespace-only parts are dropped, so the visible text survives up to whitespace.
            let shown = parts.map { TelegramHTML.plainText(html: $0) }.joined().filter { !$0.isWhitespace }
            #expect(shown == TelegramHTML.plainText(html: html).filter { !$0.isWhitespace }, "\(html.debugDescription) at \(limit)")
        }
    }
}

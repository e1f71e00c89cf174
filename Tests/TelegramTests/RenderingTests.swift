import TelegramChannel
import Testing

@Suite struct RenderingTests {
    @Test func markdownBecomesTelegramHTML() {
        #expect(TelegramHTML.render(markdown: "**bold** and *italic*, `x < y`") == "<b>bold</b> and <i>italic</i>, <code>x &lt; y</code>")
        #expect(TelegramHTML.render(markdown: "__also bold__ _it_ ~~gone~~") == "<b>also bold</b> <i>it</i> <s>gone</s>")
        #expect(TelegramHTML.render(markdown: "see [the docs](https://example.com/a?b=1&c=2)")
                == "see <a href=\"https://example.com/a?b=1&amp;c=2\">the docs</a>")
        #expect(TelegramHTML.render(markdown: "# Title\n- one\n- two") == "<b>Title</b>\n• one\n• two")
    }

    @Test func codeBlocksAreEscapedAndKeepTheirLanguage() {
        let markdown = "Run:\n```swift\nif a < b && c > d { print(\"<b>\") }\n```\ndone"
        #expect(TelegramHTML.render(markdown: markdown) == """
            Run:
            <pre><code class="language-swift">if a &lt; b &amp;&amp; c &gt; d { print(&quot;&lt;b&gt;&quot;) }</code></pre>
            done
            """)
        #expect(TelegramHTML.render(markdown: "```\nplain\n```") == "<pre>plain</pre>")
    }

    @Test func textThatOnlyLooksLikeMarkupStaysLiteral() {
        #expect(TelegramHTML.render(markdown: "snake_case_name and 2 * 3 * 4") == "snake_case_name and 2 * 3 * 4")
        #expect(TelegramHTML.render(markdown: "an **unclosed bold") == "an **unclosed bold")
        #expect(TelegramHTML.render(markdown: "<script>alert(1)</script> & more") == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more")
        #expect(TelegramHTML.render(markdown: "[not a link](javascript:alert(1))") == "[not a link](javascript:alert(1))")
    }

    @Test func plainTextDropsTagsAndDecodesEntities() {
        #expect(TelegramHTML.plainText(html: "<b>a &lt; b</b> &amp; <a href=\"x\">c</a> &#65;") == "a < b & c A")
    }
}

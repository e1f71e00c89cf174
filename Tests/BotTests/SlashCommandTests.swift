import MarketBot
import MarketCore
import Testing

@Suite struct SlashCommandTests {
    @Test func readsToolCallsWithJSONAndQuotedValues() throws {
        let command = try SlashCommand.parse(#"/word_count text="two words" count=2 exact=true tags=["a","b"] name='single quoted' raw=abc"#)
        #expect(command == .tool(name: "word_count", arguments: [
            "text": .string("two words"), "count": .number(2), "exact": .bool(true),
            "tags": .array([.string("a"), .string("b")]), "name": .string("single quoted"), "raw": .string("abc"),
        ]))
        let escaped = try SlashCommand.parse(#"/echo text="say \"hi\"" path=C:\x"#)
        #expect(escaped == .tool(name: "echo", arguments: ["text": .string(#"say "hi""#), "path": .string(#"C:\x"#)]))
        #expect(try SlashCommand.parse("/word_count") == .tool(name: "word_count", arguments: [:]))
        #expect(try SlashCommand.parse("/textkit.word_count text=x") == .tool(name: "textkit.word_count", arguments: ["text": .string("x")]))
        #expect(try SlashCommand.parse(#"/t n="42""#) == .tool(name: "t", arguments: ["n": .string("42")]))
    }

    @Test func builtInCommands() throws {
        #expect(try SlashCommand.parse("/help") == .help)
        #expect(try SlashCommand.parse("/start") == .help)
        #expect(try SlashCommand.parse("/help@acme_bot") == .help)
        #expect(try SlashCommand.parse("/feedback up") == .feedback(up: true))
        #expect(try SlashCommand.parse("/feedback 👎") == .feedback(up: false))
        #expect(try SlashCommand.parse("hello") == nil)
        #expect(try SlashCommand.parse("/") == nil)
    }

    @Test func malformedCommandsSayWhatToDo() {
        for bad in ["/feedback maybe", #"/word_count text="open"#, "/word_count text", "/word_count =x", "/wörd"] {
            do {
                _ = try SlashCommand.parse(bad)
                Issue.record("\(bad) was accepted")
            } catch let error as MarketError {
                #expect(error.code == .commandInvalid)
                #expect(!error.fix.isEmpty)
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}

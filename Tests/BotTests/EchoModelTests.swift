import Foundation
import MarketBot
import MarketCore
import Testing

extension BotDatabaseTests {
    /// The first-party `echo` model (Plugins/echo, C): a bot answers with no vendor at all.
    @Suite struct EchoModelTests {
        @Test func eachReplyIsTheUsersLastMessage() async throws {
            let bot = try await BotFixture.make(plugins: ["echo"])
            let first = try await bot.say("hello there")
            #expect(first.reply.text == "hello there" && first.chunks.text == "hello there")
            // The history now holds an earlier user turn and an assistant turn: only the last
            // user message is answered, escapes and all.
            let second = try await bot.say(#"a "quoted" line\nand ünïcode"#)
            #expect(second.reply.text == #"a "quoted" line\nand ünïcode"#)
            let stored = try await bot.sql("SELECT role, content FROM messages WHERE tenant_id = 'acme' ORDER BY id")
            #expect(stored == [["user", "hello there"], ["assistant", "hello there"],
                               ["user", #"a "quoted" line\nand ünïcode"#], ["assistant", #"a "quoted" line\nand ünïcode"#]])
            await bot.close()
        }
    }
}

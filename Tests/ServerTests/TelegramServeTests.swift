import Foundation
import MarketStore
import MarketTestSupport
import StoreTestSupport
import TelegramChannel
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension ServerTests {
    /// The fake Bot API POSTs updates to a real `market serve`, whose engine runs the built
    /// plugins and answers through the fake's `sendMessage`.
    @Suite(.serialized) struct TelegramServe {
        /// A plugin's answer longer than a Telegram message arrives in parts, each one Telegram
        /// accepts, in order, and together the whole answer.
        @Test(.timeLimit(.minutes(3)))
        func aLongReplyIsSplitIntoMessagesTelegramAccepts() async throws {
            let server = try await BotServer.start(setup: [["config", "dice", "--tenant", "acme", "max_dice=1000"], ["enable", "dice", "--tenant", "acme"]])
            defer { server.close() }
            _ = try await server.connectBot()
            let fake = server.telegram
            // 1,000 rolls laid out one a line: some 9,000 characters.
            #expect(try await fake.deliver(FakeBotAPI.textUpdate(1, chat: 11, text: "/roll count=1000 sides=6")) == 200)
            try await eventually(within: 30, "the parts are sent") { try await fake.sentTexts(chat: 11).joined().contains("total") }
            let parts = try await fake.sentTexts(chat: 11)
            #expect(parts.count >= 2, "\(parts.map(\.count))")
            // Telegram's limit is on the text it shows, after the HTML entities are read.
            let shown = parts.map { TelegramHTML.plainText(html: $0) }
            #expect(shown.allSatisfy { $0.utf16.count <= 4096 }, "\(shown.map(\.utf16.count))")
            let whole = shown.joined()
            #expect(whole.contains("rolls") && whole.hasSuffix("}"), "the last part ends the answer")
            let rolls = whole.split(whereSeparator: \.isNewline).filter { line in
                let digits = line.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: ","))
                return Int(digits).map { (1...6).contains($0) } ?? false
            }
            #expect(rolls.count == 1000, "every roll arrived once, across the parts")
        }

        @Test(.timeLimit(.minutes(3)))
        func webhookUpdatesReachTheEngineAndRepliesReachTelegram() async throws {
            let server = try await BotServer.start()
            defer { server.close() }
            let bot = try await server.connectBot()
            let fake = server.telegram
            let hooks = try await fake.requests("setWebhook")
            #expect((hooks.last?["params"] as? [String: Any])?["url"] as? String == "http://127.0.0.1:\(server.port)/telegram/\(bot)")

            // A slash command calls the plugin's tool; the result comes back as a message.
            let command = FakeBotAPI.textUpdate(1, chat: 7, text: "/word_count text=\"one two three\"")
            #expect(try await fake.deliver(command) == 200)
            try await eventually(within: 20, "the tool's answer is sent") { try await fake.sentTexts(chat: 7).contains { $0.contains("3") } }
            let counted = try #require(try await fake.sentTexts(chat: 7).first)
            #expect(counted.contains("words") && counted.contains("3"), "\(counted)")

            // The same update again is acknowledged and not answered twice.
            #expect(try await fake.deliver(command) == 200)
            // A wrong secret is refused and nothing is stored.
            #expect(try await fake.deliver(FakeBotAPI.textUpdate(2, chat: 7, text: "/help"), secret: "not-the-secret") == 401)

            // A tool refusing its arguments becomes a safe message, not an error page.
            #expect(try await fake.deliver(FakeBotAPI.textUpdate(3, chat: 8, text: "/word_count")) == 200)
            try await eventually(within: 20, "the tool's failure is told") { try await !fake.sentTexts(chat: 8).isEmpty }
            let failure = try #require(try await fake.sentTexts(chat: 8).first)
            #expect(failure.contains("word_count") && failure.contains("did not accept its arguments"), "\(failure)")

            // Plain text goes to the model (the openai plugin on the fake); its answer gets 👍 / 👎.
            #expect(try await fake.deliver(FakeBotAPI.textUpdate(4, chat: 9, text: "hello")) == 200)
            try await eventually(within: 20, "the model's answer is sent") { try await fake.sentTexts(chat: 9).contains("Hello!") }
            let answer = try #require(try await fake.requests("sendMessage").last { ($0["params"] as? [String: Any])?["text"] as? String == "Hello!" })
            let markup = try #require((answer["params"] as? [String: Any])?["reply_markup"], "no buttons under the answer")
            let keyboard = String(describing: markup)
            #expect(keyboard.contains("feedback:up") && keyboard.contains("feedback:down"), "\(keyboard)")

            // Pressing 👍 is the engine's feedback: stored, acknowledged, thanked.
            #expect(try await fake.deliver(FakeBotAPI.callbackUpdate(5, chat: 9, data: "feedback:up", messageID: 1)) == 200)
            try await eventually(within: 20, "the feedback is thanked") { try await fake.sentTexts(chat: 9).contains("Thanks for the 👍.") }
            #expect(try await fake.requests("answerCallbackQuery").count == 1)

            let counts = try await onThread { [databaseURL = server.databaseURL] in
                let connection = try PostgresConnection.connect(databaseURL)
                defer { connection.close() }
                return try connection.query("""
                    SELECT (SELECT count(*)::int FROM feedback WHERE tenant_id = 'acme' AND value = 1) AS up,
                           (SELECT count(*)::int FROM telegram_inbox) AS updates
                    """).map { [try $0.decode("up", as: Int.self), try $0.decode("updates", as: Int.self)] }
            }
            #expect(counts == [[1, 4]], "one 👍, and four updates stored (the duplicate and the refused one are not)")
            #expect(try await fake.sentTexts(chat: 7).count == 1, "the duplicate was answered")
        }

        @Test(.timeLimit(.minutes(3)))
        func killingTheServerLosesNoAcknowledgedUpdate() async throws {
            let server = try await BotServer.start()
            defer { server.close() }
            _ = try await server.connectBot()
            let fake = server.telegram
            // Telegram holds the reply back for a while, so the server dies with the update in hand.
            try await fake.fail("sendMessage", code: 429, description: "Too Many Requests: retry after 30", retryAfter: 30)
            #expect(try await fake.deliver(FakeBotAPI.textUpdate(1, chat: 11, text: "/word_count text=\"a b\"")) == 200)
            try await eventually(within: 20, "the reply is attempted") { try await !fake.requests("sendMessage").isEmpty }
            let killed = try #require(server.process)
            killed.signal(SIGKILL)
            _ = try await killed.exitStatus(within: 10)
            #expect(try await fake.sentTexts(chat: 11).count == 1, "one attempt, refused, before the kill")

            // A new server takes the update again once its claim lapses, and the reply arrives.
            try await server.serve(lease: 3)
            try await eventually(within: 30, "the reply arrives after the restart") { try await fake.sentTexts(chat: 11).count == 2 }
            let reply = try #require(try await fake.sentTexts(chat: 11).last)
            #expect(reply.contains("words") && reply.contains("2"), "\(reply)")
        }
    }
}

import Foundation
import MarketBot
import MarketCore
import MarketStore
import MarketTestSupport
import PluginRuntime
import Testing

extension BotDatabaseTests {
    /// The model path: the real openai plugin against fake-llm, with textkit's tools.
    @Suite struct EngineModelTests {
        @Test func theReplysTextStreams() async throws {
            let server = try await FakeLLM.start()
            let bot = try await BotFixture.make()
            try await bot.enableModel(server, scenario: "text")
            let (reply, chunks) = try await bot.say("hi")
            #expect(chunks == [.text("Hel"), .text("lo"), .text("!")])
            #expect(reply.text == "Hello!" && reply.steps == 1)
            let stored = try await bot.sql("""
                SELECT role, content, prompt_tokens, completion_tokens, latency_ms IS NOT NULL FROM messages WHERE tenant_id = 'acme' ORDER BY id
                """)
            #expect(stored == [["user", "hi", nil, nil, "f"], ["assistant", "Hello!", "11", "5", "t"]])
            await bot.close()
        }

        @Test func theModelCallsAToolAndAnswersWithItsResult() async throws {
            let server = try await FakeLLM.start()
            let bot = try await BotFixture.make()
            try await bot.enableModel(server, scenario: "agent")
            try await bot.conversations.saveSettings(BotSettings(systemPrompt: "You count words.", modelPlugin: nil, contextCharacters: 24_000, maxSteps: 4),
                                                     tenant: bot.tenant)
            let (reply, chunks) = try await bot.say(#"{"call": "word_count", "arguments": {"text": "a b c d"}}"#)
            #expect(reply.steps == 2)
            #expect(reply.text.hasPrefix("Result: "))
            let result = try JSONValue(parsing: String(reply.text.dropFirst("Result: ".count)))
            #expect(result["words"] == .number(4))
            #expect(chunks.text == reply.text && chunks.notices.isEmpty)

            let requests = try await server.requests()
            #expect(requests.count == 2)
            // The tools are offered under their mapped names, with the system prompt first.
            guard case .array(let tools)? = requests[0]["tools"] else { Issue.record("no tools offered"); return }
            #expect(tools.contains { $0["function"]?["name"] == .string("textkit__word_count") })
            #expect(requests[0]["messages"]?.arrayValue?.first?["role"] == .string("system"))
            // The second request carries the call and its result.
            let second = requests[1]["messages"]?.arrayValue ?? []
            #expect(second.map { $0["role"] } == [.string("system"), .string("user"), .string("assistant"), .string("tool")])
            #expect(second[2]["tool_calls"]?.arrayValue?.first?["function"]?["name"] == .string("textkit__word_count"))
            #expect(second[3]["tool_call_id"] == second[2]["tool_calls"]?.arrayValue?.first?["id"])
            await bot.close()
        }

        @Test func textBeforeAndAfterAToolCallAreSeparateParagraphs() async throws {
            let server = try await FakeLLM.start()
            let bot = try await BotFixture.make()
            try await bot.enableModel(server, scenario: "agent")
            let (reply, chunks) = try await bot.say(#"{"call": "word_count", "say": "Counting.", "arguments": {"text": "a b"}}"#)
            #expect(reply.steps == 2)
            #expect(chunks.text.hasPrefix("Counting.\n\nResult: "), "\(chunks.text)")
            await bot.close()
        }

        @Test func aToolErrorGoesToTheModelAndASafeNoticeToTheUser() async throws {
            let server = try await FakeLLM.start()
            let bot = try await BotFixture.make()
            try await bot.enableModel(server, scenario: "agent")
            let (reply, chunks) = try await bot.say(#"{"call": "word_count", "arguments": {"wrong": 1}}"#)
            #expect(chunks.notices == ["⚠️ The tool word_count did not accept its arguments (see /help) (INVALID_ARGUMENT)."])
            #expect(reply.notices == chunks.notices)
            let requests = try await server.requests()
            let toolMessage = try #require(requests.last?["messages"]?.arrayValue?.last)
            #expect(toolMessage["role"] == .string("tool"))
            let error = try JSONValue(parsing: toolMessage["content"]?.stringValue ?? "")["error"]
            #expect(error?["code"] == .string("INVALID_ARGUMENT"))
            // The model, not the user, gets the plugin's own words.
            #expect(error?["message"]?.stringValue?.contains("text") == true)
            #expect(!reply.notices.joined().contains("needs a"))
            let stored = try await bot.sql("SELECT tool_error FROM messages WHERE role = 'tool' AND tenant_id = 'acme'")
            #expect(stored == [["t"]])
            await bot.close()
        }

        @Test func theToolLoopStopsAtTheStepLimit() async throws {
            let server = try await FakeLLM.start()
            let bot = try await BotFixture.make()
            try await bot.enableModel(server, scenario: "loop")
            try await bot.conversations.saveSettings(BotSettings(systemPrompt: "", modelPlugin: nil, contextCharacters: 24_000, maxSteps: 3), tenant: bot.tenant)
            let (reply, chunks) = try await bot.say("count forever")
            #expect(reply.steps == 3)
            #expect(chunks.notices == ["⚠️ I stopped after 3 steps without a final answer; ask again, or more simply."])
            #expect(try await server.requests().count == 3)
            #expect(bot.events.events.filter { $0.type == BotEventType.toolCalled }.count == 3)
            await bot.close()
        }

        @Test func theHistoryIsCutToTheContextBudget() async throws {
            let server = try await FakeLLM.start()
            let bot = try await BotFixture.make()
            try await bot.enableModel(server, scenario: "text")
            try await bot.conversations.saveSettings(BotSettings(systemPrompt: "S", modelPlugin: nil, contextCharacters: 300, maxSteps: 2), tenant: bot.tenant)
            for index in 0..<6 { _ = try await bot.say("message \(index) " + String(repeating: "x", count: 60)) }
            let last = try #require(try await server.requests().last?["messages"]?.arrayValue)
            // System prompt, then only the newest turns: fewer than the 12 stored messages.
            #expect(last.first?["content"] == .string("S"))
            #expect(last.count < 12 && last.count >= 2)
            #expect(last.last?["content"]?.stringValue?.hasPrefix("message 5") == true)
            #expect(last[1]["role"] == .string("user"))
            let size = last.reduce(0) { $0 + ($1["content"]?.stringValue?.count ?? 0) }
            #expect(size <= 300)
            #expect(try await bot.sql("SELECT count(*) FROM messages WHERE tenant_id = 'acme'") == [["12"]])
            await bot.close()
        }

        @Test func eventsArePublishedInOrderWithTheConversationID() async throws {
            let server = try await FakeLLM.start()
            let bot = try await BotFixture.make()
            try await bot.enableModel(server, scenario: "agent")
            let reply = try await bot.say(#"{"call": "word_count", "arguments": {"text": "x y"}}"#).reply
            let events = bot.events.events
            #expect(events.map(\.type) == ["conversation.started", "message.received", "llm.completed", "tool.called", "llm.completed", "message.sent"])
            #expect(events.allSatisfy { $0.conversationID == reply.conversationID && $0.tenantID == "acme" && $0.experiment == nil })
            #expect(reply.conversationID.hasPrefix("cnv_"))
            // Each plugin call's event names the build that ran it: version and library hash.
            for (type, plugin) in [("tool.called", "textkit"), ("llm.completed", "openai")] {
                let data = try JSONValue(parsing: try #require(events.first { $0.type == type }).data)
                let library = BotPaths.builtPlugins.appendingPathComponent("\(plugin)/lib\(plugin).so").path
                let digest = try await runProcess("/usr/bin/sha256sum", [library]).stdout.prefix(12)
                #expect(data["plugin_version"] == .string("1.0.0") && data["library_sha256"] == .string(String(digest)), "\(type): \(data.jsonText)")
            }
            // A second message continues the conversation: no new conversation.started.
            _ = try await bot.say("again")
            #expect(bot.events.events.filter { $0.type == "conversation.started" }.count == 1)
            await bot.close()
        }

        @Test func aFailingModelIsReportedSafely() async throws {
            let server = try await FakeLLM.start()
            let bot = try await BotFixture.make()
            try await bot.enableModel(server, scenario: "unauthorized")
            let reply = try await bot.say("hi").reply
            #expect(reply.text.contains("The model (openai) refused the bot's credentials"))
            #expect(!reply.text.contains("Incorrect API key"))
            #expect(bot.events.events.map(\.type).contains("llm.failed"))
            await bot.close()
        }
    }
}

extension JSONValue {
    var arrayValue: [JSONValue]? { if case .array(let items) = self { items } else { nil } }
    var stringValue: String? { if case .string(let text) = self { text } else { nil } }
}

extension BotDatabaseTests.EngineModelTests {
    @Test func theReplyCanBeReadAsAnAsyncSequence() async throws {
        let server = try await FakeLLM.start()
        let bot = try await BotFixture.make()
        try await bot.enableModel(server, scenario: "text")
        var chunks: [ReplyChunk] = []
        for try await chunk in bot.engine.replyStream(to: "hi", from: ChatAddress(channel: "web", chatID: "s1", userID: "u9"), tenant: bot.tenant) {
            chunks.append(chunk)
        }
        #expect(chunks == [.text("Hel"), .text("lo"), .text("!")])
        var failure: (any Error)?
        do {
            for try await _ in bot.engine.replyStream(to: "hi", from: ChatAddress(channel: "web", chatID: "s1", userID: "u9"), tenant: "nobody") {}
        } catch {
            failure = error
        }
        #expect((failure as? MarketError)?.code == .tenantNotFound)
        await bot.close()
    }
}

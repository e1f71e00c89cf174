import Foundation
import MarketBot
import MarketCore
import MarketStore
import PluginRuntime
import Testing

extension BotDatabaseTests {
    @Suite struct ConversationStoreTests {
        @Test func everyQueryIsScopedByTenant() async throws {
            let bot = try await BotFixture.make(plugins: [])
            try await bot.tenants.createTenant("globex", by: .system)
            let address = ChatAddress(channel: "test", chatID: "same-chat", userID: "u1")
            let acme = try await bot.conversations.conversation(tenant: "acme", address: address, assignment: nil)
            let globex = try await bot.conversations.conversation(tenant: "globex", address: address, assignment: nil)
            // The same chat id on two tenants is two conversations.
            #expect(acme.created && globex.created && acme.id != globex.id)
            #expect(try await bot.conversations.conversation(tenant: "acme", address: address, assignment: nil) == (acme.id, false))
            try await bot.conversations.append(ChatMessage(role: .user, content: "acme's secret"), conversation: acme.id, tenant: "acme", assignment: nil)
            // Another tenant can neither read nor write acme's conversation by its id.
            #expect(try await bot.conversations.history(conversation: acme.id, tenant: "globex").isEmpty)
            let error = await #expect(throws: MarketError.self) {
                try await bot.conversations.append(ChatMessage(role: .user, content: "x"), conversation: acme.id, tenant: "globex", assignment: nil)
            }
            #expect(error?.code == .conversationNotFound)
            try await bot.conversations.recordFeedback(up: true, conversation: acme.id, tenant: "globex", userID: "u1", assignment: nil)
            #expect(try await bot.sql("SELECT count(*) FROM feedback") == [["0"]])
            #expect(try await bot.conversations.history(conversation: acme.id, tenant: "acme").map(\.content) == ["acme's secret"])
            let missing = await #expect(throws: MarketError.self) {
                try await bot.conversations.conversation(tenant: "nobody", address: address, assignment: nil)
            }
            #expect(missing?.code == .tenantNotFound && missing?.fix.isEmpty == false)
            await bot.close()
        }

        @Test func settingsHaveDefaultsAndAreChecked() async throws {
            let bot = try await BotFixture.make(plugins: [])
            #expect(try await bot.conversations.settings(tenant: "acme") == .defaults)
            let custom = BotSettings(systemPrompt: "Be brief.", modelPlugin: "openai", contextCharacters: 1_000, maxSteps: 2)
            try await bot.conversations.saveSettings(custom, tenant: "acme")
            #expect(try await bot.conversations.settings(tenant: "acme") == custom)
            for bad in [BotSettings(systemPrompt: "", modelPlugin: nil, contextCharacters: 10, maxSteps: 2),
                        BotSettings(systemPrompt: "", modelPlugin: nil, contextCharacters: 1_000, maxSteps: 0)] {
                let error = await #expect(throws: MarketError.self) { try await bot.conversations.saveSettings(bad, tenant: "acme") }
                #expect(error?.code == .botSettingInvalid)
            }
            #expect(try await bot.conversations.settings(tenant: "acme") == custom)
            await bot.close()
        }

        @Test func aSlowModelMeetsItsDeadline() async throws {
            let server = try await FakeLLM.start()
            var limits = EngineLimits()
            limits.modelTimeout = .milliseconds(60)
            let bot = try await BotFixture.make(limits: limits)
            // "timed" streams 100 deltas 2 ms apart: more than the 60 ms the call may take.
            try await bot.enableModel(server, scenario: "timed")
            let started = ContinuousClock.now
            let reply = try await bot.say("hi").reply
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(reply.text.contains("⚠️ The model (openai) took too long to answer (TIMEOUT)."))
            let failed = try #require(bot.events.events.first { $0.type == BotEventType.llmFailed })
            #expect(try JSONValue(parsing: failed.data)["error_code"] == .string("TIMEOUT"))
            #expect(bot.events.events.last?.type == BotEventType.messageSent)
            await bot.close()
        }
    }
}

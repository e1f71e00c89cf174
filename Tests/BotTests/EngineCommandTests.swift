import Foundation
import MarketBot
import MarketCore
import MarketStore
import MarketTestSupport
import PluginRuntime
import Synchronization
import Testing

extension BotDatabaseTests {
    /// Slash commands against the real textkit plugin, with no model configured.
    @Suite struct EngineCommandTests {
        @Test func aSlashCommandCallsTextkitsTool() async throws {
            let bot = try await BotFixture.make()
            let (reply, chunks) = try await bot.say(#"/word_count text="one two three""#)
            let result = try JSONValue(parsing: reply.text)
            #expect(result["words"] == .number(3))
            #expect(chunks.text == reply.text && reply.steps == 0)
            // The plugin-qualified form reaches the same tool.
            let qualified = try await bot.say("/textkit.word_count text=hello")
            #expect(try JSONValue(parsing: qualified.reply.text)["words"] == .number(1))
            // Both turns are in the history, in order.
            let history = try await bot.conversations.history(conversation: reply.conversationID, tenant: bot.tenant)
            #expect(history.map(\.role) == [.user, .assistant, .user, .assistant])
            #expect(history[0].content == #"/word_count text="one two three""#)
            await bot.close()
        }

        @Test func helpListsTheTenantsToolsWithDescriptions() async throws {
            let bot = try await BotFixture.make(plugins: ["textkit", "dice"])
            let help = try await bot.say("/help").reply.text
            #expect(help.contains("/word_count"))
            #expect(help.contains("Count the words, lines and characters of a text."))
            #expect(help.contains("[textkit]") && help.contains("[dice]"))
            // Each argument with its type; required ones bare, optional ones in brackets.
            #expect(help.contains("/word_count text=<string> — "))
            #expect(help.contains("/roll [count=<integer>] [seed=<integer>] [sides=<integer>] — "))
            #expect(help.contains("arguments in [ ] are optional"))
            #expect(help.contains("/feedback up|down"))
            #expect(help.contains("No model is configured"))
            await bot.close()
        }

        @Test func withoutAModelTheBotSaysHowToConfigureOne() async throws {
            let bot = try await BotFixture.make()
            let reply = try await bot.say("hello there").reply
            #expect(reply.text.contains("No model is configured"))
            #expect(reply.text.contains("market config openai --tenant acme"))
            #expect(reply.text.contains("market enable openai --tenant acme"))
            #expect(reply.text.contains("/help"))
            // Slash commands still work.
            #expect(try await bot.say("/word_count text=hi").reply.text.contains("\"words\""))
            await bot.close()
        }

        @Test func aFailingToolGivesASafeMessage() async throws {
            let bot = try await BotFixture.make()
            // The host refuses word_count without "text" (its input_schema requires it) and says which field.
            let reply = try await bot.say("/word_count words=3").reply
            #expect(reply.text == "⚠️ The tool word_count did not accept its arguments (see /help) (INVALID_ARGUMENT).\n/text: is required")
            let unknown = try await bot.say("/no_such_tool").reply
            #expect(unknown.text.contains("/help"))
            let called = bot.events.events.filter { $0.type == BotEventType.toolCalled }
            #expect(called.count == 1)
            let data = try JSONValue(parsing: called[0].data)
            #expect(data["ok"] == .bool(false) && data["error_code"] == .string("INVALID_ARGUMENT") && data["via"] == .string("command"))
            await bot.close()
        }

        @Test func theUserWhoTypedTheCommandSeesThePluginsMessage() async throws {
            let bot = try await BotFixture.make()
            // textkit declares no network host; the host refuses its fetch and textkit says so.
            let reply = try await bot.say("/fetch_status url=http://198.51.100.7/").reply
            #expect(reply.text.hasPrefix("⚠️ The tool fetch_status is not allowed to do that (PERMISSION_DENIED).\n"))
            #expect(reply.text.hasSuffix("(PERMISSION_DENIED: the host is not declared)"))
            await bot.close()
        }

        @Test func anEnabledPluginThatIsMissingIsNamedAsUnavailable() async throws {
            let bot = try await BotFixture.make()
            // Enabled for the tenant (as on another replica) but not installed where this engine runs.
            try await bot.sql("INSERT INTO plugin_installations (tenant_id, plugin_id, enabled) VALUES ('acme', 'ghost', true)")
            let help = try await bot.say("/help").reply.text
            #expect(help.contains("Unavailable: ghost — it is not installed on this server."))
            let reply = try await bot.say("/ghost_tool").reply.text
            #expect(reply.contains("there is no command or tool /ghost_tool (plugin ghost is unavailable: it is not installed on this server)"))
            // The tools that do work still answer.
            #expect(try await bot.say("/word_count text=hi").reply.text.contains("\"words\""))
            await bot.close()
        }

        @Test func feedbackIsRecordedAndPublished() async throws {
            let bot = try await BotFixture.make()
            let reply = try await bot.say("/feedback up").reply
            _ = try await bot.say("/feedback down")
            let rows = try await bot.sql("SELECT value, external_user_id FROM feedback WHERE tenant_id = 'acme' AND conversation_id = $1 ORDER BY id",
                                         [reply.conversationID])
            #expect(rows == [["1", "u1"], ["-1", "u1"]])
            let feedback = bot.events.events.filter { $0.type == BotEventType.feedbackReceived }
            #expect(try feedback.map { try JSONValue(parsing: $0.data)["value"] } == [.string("up"), .string("down")])
            await bot.close()
        }
    }
}

extension BotDatabaseTests.EngineCommandTests {
    @Test func oneInstancePerInstallationMadeOnceAndRenewedWhenItsSettingsChange() async throws {
        let logs = CapturingLogHandler()
        var limits = EngineLimits()
        limits.pluginRefresh = .zero
        let bot = try await BotFixture.make(limits: limits, logger: logs.logger)
        func created() -> Int { logs.lines.all.withLock { $0.filter { $0.contains("plugin instance created") && $0.contains("plugin=textkit") }.count } }
        #expect(created() == 0)
        for _ in 0..<3 { _ = try await bot.say("/word_count text=hi") }
        #expect(created() == 1)
        // A changed installation (config written again) gets a fresh instance on the next message.
        try await bot.tenants.configure("textkit", tenant: bot.tenant, with: .object([:]), by: .system)
        _ = try await bot.say("/word_count text=hi")
        _ = try await bot.say("/help")
        #expect(created() == 2)
        await bot.close()
    }
}

extension BotDatabaseTests.EngineCommandTests {
    @Test func aChosenModelThatIsNotEnabledIsNamedWithTheFix() async throws {
        let bot = try await BotFixture.make()
        try await bot.conversations.saveSettings(BotSettings(systemPrompt: "", modelPlugin: "anthropic", contextCharacters: 24_000, maxSteps: 6),
                                                 tenant: bot.tenant)
        let reply = try await bot.say("hello").reply
        #expect(reply.text.contains("the model provider anthropic, which is not enabled for tenant acme"))
        #expect(reply.text.contains("market enable anthropic --tenant acme"))
        await bot.close()
    }
}

extension BotDatabaseTests.EngineCommandTests {
    @Test func twoModelProvidersAndNoneChosenSaysHowToChoose() async throws {
        let bot = try await BotFixture.make()
        for plugin in ["openai", "anthropic"] {
            try await bot.tenants.configure(plugin, tenant: bot.tenant, with: .object(["model": .string("m")]), by: .system)
            try await bot.tenants.enable(plugin, tenant: bot.tenant, by: .system)
        }
        let reply = try await bot.say("hello").reply
        #expect(reply.text.contains("2 model providers enabled (anthropic, openai)"))
        #expect(reply.text.contains("market bot set --tenant acme --model-plugin ID"))
        #expect(try await bot.say("/word_count text=x").reply.text.contains("\"words\""))
        await bot.close()
    }
}

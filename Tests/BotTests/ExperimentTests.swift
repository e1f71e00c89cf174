import Foundation
import MarketBot
import MarketCore
import MarketStore
import PluginRuntime
import Testing

extension BotDatabaseTests {
    @Suite struct ExperimentTests {
        static let experiment = Experiment(id: "models-1", variants: [
            .init(name: "small", plugin: "openai", model: "text", parameters: ["temperature": .number(0.5)], weight: 1),
            .init(name: "large", plugin: "openai", model: "agent", weight: 1),
        ])

        @Test func theVariantIsStampedOnEveryEventAndRowAndUsedForTheRequest() async throws {
            let server = try await FakeLLM.start()
            let bot = try await BotFixture.make()
            try await bot.enableModel(server, scenario: "text")
            try await bot.experiments.create(Self.experiment, tenant: bot.tenant)
            let user = (0..<50).map { "user-\($0)" }.first { Self.experiment.variant(for: $0).name == "small" }!
            let reply = try await bot.say("hi", user: user).reply
            #expect(reply.assignment == Assignment(experiment: "models-1", variant: "small"))
            #expect(bot.events.events.allSatisfy { $0.experiment == .object(["id": .string("models-1"), "variant": .string("small")]) })
            let request = try #require(try await server.requests().last)
            #expect(request["model"] == .string("text") && request["temperature"] == .number(0.5))
            #expect(try await bot.sql("SELECT DISTINCT variant FROM messages WHERE tenant_id = 'acme'") == [["small"]])
            #expect(try await bot.sql("SELECT experiment_id, variant FROM conversations WHERE tenant_id = 'acme'") == [["models-1", "small"]])
            await bot.close()
        }

        @Test func creatingReplacesTheActiveExperimentAndRefusesDuplicates() async throws {
            let bot = try await BotFixture.make(plugins: [])
            try await bot.experiments.create(Self.experiment, tenant: bot.tenant)
            let second = Experiment(id: "models-2", variants: Self.experiment.variants)
            try await bot.experiments.create(second, tenant: bot.tenant)
            #expect(try await bot.experiments.active(tenant: bot.tenant)?.id == "models-2")
            #expect(try await bot.experiments.list(tenant: bot.tenant).map(\.active).sorted { $0 && !$1 } == [true, false])
            let again = await #expect(throws: MarketError.self) { try await bot.experiments.create(second, tenant: bot.tenant) }
            #expect(again?.code == .experimentInvalid)
            #expect(try await bot.experiments.list(tenant: "acme").first { $0.id == "models-1" }?.variants == Self.experiment.variants)
            await bot.close()
        }

        @Test func theReportsFiguresOnKnownData() async throws {
            let bot = try await BotFixture.make(plugins: [])
            try await bot.experiments.create(Self.experiment, tenant: bot.tenant)
            // small: 2 conversations, 3 user messages, 10 model answers 100…1000 ms, 2 of 4 tool calls failed, 2 👍 1 👎.
            // large: 1 conversation, 1 user message, one answer of 50 ms, no tools, no feedback.
            for (id, variant) in [("c1", "small"), ("c2", "small"), ("c3", "large")] {
                try await bot.sql("""
                    INSERT INTO conversations (id, tenant_id, channel, external_chat_id, external_user_id, experiment_id, variant)
                    VALUES ($1, 'acme', 'test', $1, $1, 'models-1', $2)
                    """, [id, variant])
            }
            for conversation in ["c1", "c1", "c2"] { try await insertMessage(bot, conversation, "small", role: "user") }
            for latency in stride(from: 100, through: 1000, by: 100) {
                try await insertMessage(bot, "c1", "small", role: "assistant", latency: latency, tokens: (10, 5))
            }
            for failed in [true, false, true, false] { try await insertMessage(bot, "c2", "small", role: "tool", error: failed) }
            try await insertMessage(bot, "c3", "large", role: "user")
            try await insertMessage(bot, "c3", "large", role: "assistant", latency: 50, tokens: (7, 3))
            for (value, conversation) in [(1, "c1"), (1, "c2"), (-1, "c2")] {
                try await bot.sql("""
                    INSERT INTO feedback (tenant_id, conversation_id, external_user_id, value, experiment_id, variant)
                    VALUES ('acme', $1, 'u', $2, 'models-1', 'small')
                    """, [conversation, value])
            }
            // Rows of another tenant's experiment with the same id do not count.
            try await bot.tenants.createTenant("other", by: .system)
            try await bot.sql("""
                INSERT INTO conversations (id, tenant_id, channel, external_chat_id, external_user_id, experiment_id, variant)
                VALUES ('o1', 'other', 'test', 'o1', 'o1', 'models-1', 'small')
                """)

            let report = try await bot.experiments.report("models-1", tenant: bot.tenant)
            #expect(report.variants.map(\.variant) == ["small", "large"])
            let small = report.variants[0], large = report.variants[1]
            #expect(small.conversations == 2 && small.messages == 3)
            #expect(abs((small.latencyP50Milliseconds ?? 0) - 550) < 0.001 && abs((small.latencyP95Milliseconds ?? 0) - 955) < 0.001)
            #expect(small.promptTokens == 100 && small.completionTokens == 50 && small.tokens == 150)
            #expect(small.toolCalls == 4 && small.toolErrors == 2 && small.toolErrorRate == 0.5)
            #expect(small.feedbackUp == 2 && small.feedbackDown == 1)
            #expect(large.conversations == 1 && large.messages == 1 && large.latencyP50Milliseconds == 50 && large.latencyP95Milliseconds == 50)
            #expect(large.tokens == 10 && large.toolErrorRate == nil && large.feedbackUp == 0 && large.feedbackDown == 0)
            // The samples behind Welch's test: 100…1000 ms has mean 550 and variance 91,666.67; tokens 15 each.
            #expect(small.latency.count == 10 && small.latency.mean == 550 && abs(small.latency.variance - 275_000.0 / 3) < 1e-6)
            #expect(small.tokensPerAnswer == .init(count: 10, mean: 15, variance: 0))
            #expect(large.latency == .init(count: 1, mean: 50, variance: 0) && large.tokensPerAnswer == .init(count: 1, mean: 10, variance: 0))
            let comparison = try #require(report.comparisons.first)
            #expect(report.comparisons.count == 1 && comparison.control == "small" && comparison.variant == "large")
            #expect(comparison.latency.verdict == .notEnoughData && comparison.latency.sample.message == "not enough data yet: 1 of 30")
            #expect(comparison.feedback.sample.message == "not enough data yet: 0 of 30")
            let missing = await #expect(throws: MarketError.self) { try await bot.experiments.report("nope", tenant: bot.tenant) }
            #expect(missing?.code == .experimentNotFound)
            await bot.close()
        }

        func insertMessage(_ bot: BotFixture, _ conversation: String, _ variant: String, role: String, latency: Int? = nil,
                           tokens: (Int, Int)? = nil, error: Bool = false) async throws {
            try await bot.sql("""
                INSERT INTO messages (tenant_id, conversation_id, role, content, tool_error, prompt_tokens, completion_tokens, latency_ms,
                                      experiment_id, variant)
                VALUES ('acme', $1, $2, 'x', $3, $4, $5, $6, 'models-1', $7)
                """, [conversation, role, error, tokens?.0, tokens?.1, latency, variant])
        }
    }
}

import Foundation
import MarketBot
import MarketCore
import MetricsTestKit
import Testing

extension BotDatabaseTests {
    /// The engine counts turns, model and tool calls and tokens from the events of each reply
    /// (docs/operations.md, "Metrics"), with the channel and plugin as labels, never a user or chat.
    @Suite struct BotMetricsTests {
        @Test func turnsModelCallsToolCallsAndTokensAreCounted() async throws {
            let server = try await FakeLLM.start()
            let metrics = TestMetrics()
            let bot = try await BotFixture.make(metrics: metrics)
            try await bot.enableModel(server, scenario: "text")
            _ = try await bot.say("hi")
            _ = try await bot.say(#"/word_count text="a b""#)
            // Arguments the tool refuses: the reply is a fallback.
            _ = try await bot.say("/word_count")

            func count(_ label: String, _ dimensions: [(String, String)]) throws -> Int64 {
                try metrics.expectCounter(label, dimensions).totalValue
            }
            #expect(try count("market_bot_turns_total", [("channel", "test"), ("outcome", "answered")]) == 2)
            #expect(try count("market_bot_turns_total", [("channel", "test"), ("outcome", "fallback")]) == 1)
            #expect(try count("market_bot_model_calls_total", [("plugin", "openai"), ("outcome", "ok")]) == 1)
            #expect(try count("market_bot_tokens_total", [("plugin", "openai"), ("direction", "in")]) == 11)
            #expect(try count("market_bot_tokens_total", [("plugin", "openai"), ("direction", "out")]) == 5)
            #expect(try count("market_bot_tool_calls_total", [("plugin", "textkit"), ("via", "command"), ("outcome", "ok")]) == 1)
            #expect(try count("market_bot_tool_calls_total", [("plugin", "textkit"), ("via", "command"), ("outcome", "error")]) == 1)
            #expect(try metrics.expectTimer("market_bot_reply_duration_seconds", [("channel", "test")]).values.count == 3)
            #expect(try metrics.expectTimer("market_bot_model_call_duration_seconds", [("plugin", "openai")]).values.count == 1)
            let labels = Set(metrics.counters.flatMap { $0.dimensions.map(\.0) })
            #expect(labels.isSubset(of: ["channel", "outcome", "plugin", "via", "direction"]), "\(labels)")
            await bot.close()
        }

        @Test func aFailingModelIsCountedAsAnError() async throws {
            let server = try await FakeLLM.start()
            let metrics = TestMetrics()
            let bot = try await BotFixture.make(metrics: metrics)
            try await bot.enableModel(server, scenario: "context")
            _ = try await bot.say("hi")
            #expect(try metrics.expectCounter("market_bot_model_calls_total", [("plugin", "openai"), ("outcome", "error")]).totalValue == 1)
            #expect(try metrics.expectCounter("market_bot_turns_total", [("channel", "test"), ("outcome", "fallback")]).totalValue == 1)
            await bot.close()
        }
    }
}

import Foundation
import MarketBot
import MarketCore
import MarketStore
import Testing

extension BotDatabaseTests {
    /// The engine's replies, published to the event bus in PostgreSQL as `market serve` does,
    /// reach the analytics rollups: `message.sent` says how long the reply took and whether the
    /// model or a tool failed in it, and the figures match the stored events.
    @Suite struct AnalyticsEngineTests {
        @Test func repliesCarryLatencyAndFallbackAndTheRollupsCountThem() async throws {
            let server = try await FakeLLM.start()
            var limits = EngineLimits()
            limits.pluginRefresh = .zero
            let bot = try await BotFixture.make(limits: limits, bus: true)
            try await bot.enableModel(server, scenario: "agent")
            _ = try await bot.say(#"{"call": "word_count", "arguments": {"text": "x y"}}"#, user: "ada")   // tool ok
            _ = try await bot.say(#"{"call": "word_count", "arguments": {"wrong": 1}}"#, user: "ada")     // tool error
            _ = try await bot.say("/word_count", user: "bob")                                            // command's tool error
            _ = try await bot.say("/help", user: "bob")                                                  // nothing failed
            try await bot.enableModel(server, scenario: "unauthorized")
            _ = try await bot.say("hi", user: "cy")                                                      // model error

            let rows = try await bot.sql("SELECT type, data::text FROM events WHERE tenant_id = 'acme' ORDER BY seq")
            let events = try rows.map { (type: $0[0] ?? "", data: try JSONValue(parsing: $0[1] ?? "{}")) }
            let sent = events.filter { $0.type == BotEventType.messageSent }
            #expect(sent.map { $0.data["fallback"] } == [.bool(false), .bool(true), .bool(true), .bool(false), .bool(true)])
            #expect(sent.allSatisfy { ($0.data["latency_ms"]?.integerValue ?? -1) >= 0 })

            let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
            let report = try await AnalyticsStore(pool: bot.pool).report(AnalyticsQuery(tenant: bot.tenant, since: today, until: today))
            let figures = report.totals
            func count(_ type: String, _ matching: (JSONValue) -> Bool = { _ in true }) -> Int {
                events.filter { $0.type == type && matching($0.data) }.count
            }
            #expect(figures.conversations == 3 && figures.activeUsers == 3 && figures.newUsers == 3)
            #expect(figures.messagesIn == count(BotEventType.messageReceived) && figures.messagesIn == 5)
            #expect(figures.messagesOut == 5 && figures.fallbackReplies == 3 && figures.fallbackRate == 0.6)
            #expect(figures.toolCalls == count(BotEventType.toolCalled) && figures.toolCalls == 3)
            #expect(figures.toolErrors == count(BotEventType.toolCalled) { $0["ok"] == .bool(false) } && figures.toolErrors == 2)
            #expect(figures.modelErrors == count(BotEventType.llmFailed) && figures.modelErrors == 1)
            let completed = events.filter { $0.type == BotEventType.llmCompleted }
            #expect(figures.modelCalls == completed.count)
            #expect(figures.promptTokens == completed.reduce(0) { $0 + Int($1.data["prompt_tokens"]?.integerValue ?? 0) })
            #expect(figures.completionTokens == completed.reduce(0) { $0 + Int($1.data["completion_tokens"]?.integerValue ?? 0) })
            #expect(figures.timedReplies == 5)
            #expect(report.channels.map(\.channel) == ["test"])
            await bot.close()
        }
    }
}

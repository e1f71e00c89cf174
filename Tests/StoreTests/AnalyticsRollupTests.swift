import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import Testing

extension DatabaseTests {
    /// The analytics rollups against figures computed here from the very events published: a
    /// seeded mix of a tenant's bot events over days and channels, published through the bus
    /// (single events and batches, one id twice), then read back by `AnalyticsStore`.
    @Suite struct AnalyticsRollupTests {
        static let channels = ["telegram", "api", "cli"]
        static let firstDay = Date(timeIntervalSince1970: 1_796_083_200)  // 2026-12-01T00:00:00Z

        /// One published event and what the test knows of it.
        struct Published {
            let envelope: EventEnvelope
            let channel: String
            let day: String
        }

        @Test func theFiguresAreTheCountsOfThePublishedEvents() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm", "globex/crm"])
            let published = try await publishMix(fixture, tenant: "acme", seed: 18, conversations: 40)
            // Another tenant's events never count for acme.
            _ = try await publishMix(fixture, tenant: "globex", seed: 7, conversations: 5)

            let store = AnalyticsStore(pool: fixture.pool)
            let all = try await store.report(AnalyticsQuery(tenant: "acme", since: "2026-12-01", until: "2026-12-10"))
            #expect(all.totals.messagesIn > 100 && all.totals.fallbackReplies > 0 && all.totals.toolErrors > 0)
            try check(all.totals, Self.expected(published, days: nil, channel: nil))
            #expect(all.days.map(\.day) == Set(published.map(\.day)).sorted())
            for day in all.days { try check(day.figures, Self.expected(published, days: [day.day], channel: nil)) }
            #expect(all.channels.map(\.channel) == Self.channels.sorted())
            for channel in all.channels { try check(channel.figures, Self.expected(published, days: nil, channel: channel.channel)) }

            let part = try await store.report(AnalyticsQuery(tenant: "acme", since: "2026-12-03", until: "2026-12-05", channel: "api"))
            try check(part.totals, Self.expected(published, days: ["2026-12-03", "2026-12-04", "2026-12-05"], channel: "api"))
            #expect(part.channels.map(\.channel) == ["api"])
            await fixture.shutdown()
        }

        @Test func anUnknownTenantAndABadRangeAreRefusedByCode() async throws {
            let fixture = try await BusFixture.make()
            let missing = await #expect(throws: MarketError.self) {
                try await AnalyticsStore(pool: fixture.pool).report(AnalyticsQuery(tenant: "nobody"))
            }
            #expect(missing?.code == .tenantNotFound)
            let cases: [(String?, String?, String?, MarketError.Code)] = [
                ("12/01/2026", nil, nil, .analyticsQueryInvalid), ("0999-12-31", "2026-01-01", nil, .analyticsQueryInvalid),
                (nil, nil, "tele gram", .analyticsQueryInvalid),
                ("2026-12-05", "2026-12-01", nil, .analyticsRangeInvalid), ("2026-02-29", "2026-03-01", nil, .analyticsRangeInvalid),
                ("2000-01-01", "2026-01-01", nil, .analyticsRangeInvalid),
            ]
            for (since, until, channel, code) in cases {
                let error = #expect(throws: MarketError.self) { try AnalyticsQuery(tenant: "acme", since: since, until: until, channel: channel) }
                #expect(error?.code == code, "\(since ?? "-") \(until ?? "-") \(channel ?? "-")")
            }
            let defaults = try AnalyticsQuery(tenant: "acme", now: Self.firstDay.addingTimeInterval(3600))
            #expect(defaults.since == "2026-11-02" && defaults.until == "2026-12-01")
            // The proleptic Gregorian calendar PostgreSQL counts in: 2024 is a leap year, 1900 is not, 2000 is.
            #expect(try AnalyticsQuery(tenant: "acme", since: "2024-02-29", until: "2024-03-01").since == "2024-02-29")
            #expect(try AnalyticsQuery(tenant: "acme", since: "2000-02-29", until: "2000-02-29").until == "2000-02-29")
            #expect((#expect(throws: MarketError.self) { try AnalyticsQuery(tenant: "acme", since: "1900-02-29", until: "1900-03-01") })?.code
                    == .analyticsRangeInvalid)
            #expect(try AnalyticsQuery(tenant: "acme", since: "1582-10-10", until: "1582-10-10").since == "1582-10-10")
            await fixture.shutdown()
        }

        /// Publishes `conversations` conversations, each on one channel and day, with a user
        /// who may come back on later days: messages, model calls (some failing), tool calls
        /// (some failing) and replies with latencies and fallbacks.
        func publishMix(_ fixture: BusFixture, tenant: String, seed: UInt64, conversations: Int) async throws -> [Published] {
            var random = SplitMix64(seed: seed)
            var published: [Published] = []
            for index in 0..<conversations {
                let channel = random.pick(Self.channels)
                let user = "u\(Int.random(in: 0..<12, using: &random))"
                let conversation = "cnv_\(tenant)\(index)"
                _ = try await fixture.pool.query("""
                    INSERT INTO conversations (id, tenant_id, channel, external_chat_id, external_user_id) VALUES ($1, $2, $3, $1, $4)
                    """, [conversation, tenant, channel, user])
                let day = Int.random(in: 0..<8, using: &random)
                var time = Self.firstDay.addingTimeInterval(Double(day) * 86_400 + Double(Int.random(in: 0..<80_000, using: &random)))
                var events: [EventEnvelope] = []
                func add(_ type: String, _ data: [String: JSONValue]) {
                    events.append(EventEnvelope(type: type, timestamp: time, tenantID: tenant, conversationID: conversation,
                                                data: JSONValue.object(data).jsonText))
                    time.addTimeInterval(Double(Int.random(in: 1...400, using: &random)))
                }
                add("conversation.started", ["channel": .string(channel), "chat_id": .string(conversation), "user_id": .string(user)])
                for _ in 0..<Int.random(in: 1...5, using: &random) {
                    add("message.received", ["text": .string("hi"), "user_id": .string(user), "channel": .string(channel), "command": .bool(false)])
                    var fallback = false
                    if random.chance(0.15) {
                        add("llm.failed", ["plugin": .string("openai"), "error_code": .string("UNAVAILABLE"), "step": .integer(1)])
                        fallback = true
                    } else {
                        for step in 1...Int.random(in: 1...3, using: &random) {
                            add("llm.completed", ["plugin": .string("openai"), "step": .integer(Int64(step)),
                                                  "prompt_tokens": .integer(Int64.random(in: 10...900, using: &random)),
                                                  "completion_tokens": random.chance(0.1) ? .null : .integer(Int64.random(in: 1...300, using: &random))])
                            if random.chance(0.5) {
                                let ok = !random.chance(0.2)
                                fallback = fallback || !ok
                                add("tool.called", ["plugin": .string("textkit"), "tool": .string("word_count"), "via": .string("model"), "ok": .bool(ok)])
                            }
                        }
                    }
                    add("message.sent", ["text": .string("ok"), "steps": .integer(1), "latency_ms": .integer(Int64.random(in: 0...9000, using: &random)),
                                         "fallback": .bool(fallback)])
                }
                // Some one by one, some as one batch; one event again (its id is known: not counted twice).
                if random.chance(0.5) {
                    _ = try await fixture.bus.publish(events)
                } else {
                    for event in events { _ = try await fixture.bus.publish(event) }
                }
                _ = try await fixture.bus.publish(events[events.count - 1])
                published += events.map { Published(envelope: $0, channel: channel, day: Self.dayText($0.timestamp)) }
            }
            return published
        }

        static func dayText(_ date: Date) -> String {
            String(ISO8601DateFormatter().string(from: date).prefix(10))
        }

        struct Expected {
            var conversations = 0, activeUsers = 0, newUsers = 0, messagesIn = 0, messagesOut = 0, fallbacks = 0
            var toolCalls = 0, toolErrors = 0, modelCalls = 0, modelErrors = 0, promptTokens = 0, completionTokens = 0
            var latencies: [Int] = []
        }

        /// The figures of `days` (nil: all) and `channel` (nil: all), from the published list alone.
        static func expected(_ published: [Published], days: Set<String>?, channel: String?) throws -> Expected {
            var expected = Expected()
            // A user is new on the day of their first message of all (any day, that channel).
            var firstDay: [String: String] = [:]
            var activeDays = Set<String>()
            for event in published where event.envelope.type == "message.received" {
                let data = try JSONValue(parsing: event.envelope.data)
                guard case .string(let user)? = data["user_id"] else { continue }
                let key = event.channel + "/" + user
                firstDay[key] = min(firstDay[key] ?? event.day, event.day)
                if days?.contains(event.day) ?? true, channel.map({ $0 == event.channel }) ?? true {
                    activeDays.insert(event.day + "/" + key)
                }
            }
            expected.activeUsers = activeDays.count
            expected.newUsers = firstDay.filter { key, day in
                (days?.contains(day) ?? true) && (channel.map { key.hasPrefix($0 + "/") } ?? true)
            }.count
            for event in published where (days?.contains(event.day) ?? true) && (channel.map { $0 == event.channel } ?? true) {
                let data = try JSONValue(parsing: event.envelope.data)
                switch event.envelope.type {
                case "conversation.started": expected.conversations += 1
                case "message.received": expected.messagesIn += 1
                case "message.sent":
                    expected.messagesOut += 1
                    if data["fallback"] == .bool(true) { expected.fallbacks += 1 }
                    if let latency = data["latency_ms"]?.integerValue { expected.latencies.append(Int(latency)) }
                case "llm.completed":
                    expected.modelCalls += 1
                    expected.promptTokens += Int(data["prompt_tokens"]?.integerValue ?? 0)
                    expected.completionTokens += Int(data["completion_tokens"]?.integerValue ?? 0)
                case "llm.failed": expected.modelErrors += 1
                case "tool.called":
                    expected.toolCalls += 1
                    if data["ok"] == .bool(false) { expected.toolErrors += 1 }
                default: break
                }
            }
            return expected
        }

        func check(_ figures: AnalyticsFigures, _ expected: Expected) throws {
            #expect(figures.conversations == expected.conversations)
            #expect(figures.activeUsers == expected.activeUsers)
            #expect(figures.newUsers == expected.newUsers)
            #expect(figures.returningUsers == expected.activeUsers - expected.newUsers)
            #expect(figures.messagesIn == expected.messagesIn)
            #expect(figures.messagesOut == expected.messagesOut)
            #expect(figures.fallbackReplies == expected.fallbacks)
            #expect(figures.fallbackRate == (expected.messagesOut == 0 ? nil : Double(expected.fallbacks) / Double(expected.messagesOut)))
            #expect(figures.toolCalls == expected.toolCalls && figures.toolErrors == expected.toolErrors)
            #expect(figures.modelCalls == expected.modelCalls && figures.modelErrors == expected.modelErrors)
            #expect(figures.promptTokens == expected.promptTokens && figures.completionTokens == expected.completionTokens)
            // Percentiles from the histogram are within its bound of the exact nearest-rank ones.
            let sorted = expected.latencies.sorted()
            for (p, reported) in [(0.5, figures.latencyP50Milliseconds), (0.95, figures.latencyP95Milliseconds)] {
                guard !sorted.isEmpty else {
                    #expect(reported == nil)
                    continue
                }
                let exact = Double(sorted[max(1, Int((p * Double(sorted.count)).rounded(.up))) - 1])
                let value = try #require(reported)
                #expect(exact == 0 ? value == 0 : abs(value - exact) / exact <= LatencyBuckets.relativeError + 1e-9,
                        "p\(Int(p * 100)): \(value) vs exact \(exact)")
            }
        }
    }
}

import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

extension DatabaseTests.AnalyticsRollupTests {
    /// Publishing a bot event only queues its key; the fold runs later, off the publish path.
    @Test func publishersOfOneTenantDayAndChannelDoNotWaitForEachOthersCommit() async throws {
        let fixture = try await BusFixture.make(installations: ["acme/crm"])
        for (conversation, user) in [("cnv_a", "u1"), ("cnv_b", "u2")] {
            _ = try await fixture.pool.query("""
                INSERT INTO conversations (id, tenant_id, channel, external_chat_id, external_user_id) VALUES ($1, 'acme', 'telegram', $1, $2)
                """, [conversation, user])
        }
        func message(_ conversation: String, _ user: String) -> EventEnvelope {
            EventEnvelope(type: "message.received", timestamp: Self.firstDay.addingTimeInterval(3600), tenantID: "acme", conversationID: conversation,
                          data: JSONValue.object(["text": .string("hi"), "user_id": .string(user), "channel": .string("telegram")]).jsonText)
        }
        let first = try PostgresConnection.connect(fixture.url)
        let second = try PostgresConnection.connect(fixture.url)
        defer {
            first.close()
            second.close()
        }
        // The first publisher's transaction stays open (its commit is far away) ...
        try first.run("BEGIN")
        _ = try fixture.bus.write([message("cnv_a", "u1")], inTransactionOn: first)
        // ... and the second, of the same tenant, day and channel, commits without waiting for
        // it: a wait of over a second for any lock the first holds fails with 55P03 (a lock
        // timeout, rather than a wall-clock bound, so that a loaded machine cannot fail it).
        try second.run("SET lock_timeout = '1s'")
        let written = try second.transaction { try fixture.bus.write([message("cnv_b", "u2")], inTransactionOn: $0) }
        #expect(written.events == 1)
        try first.run("COMMIT")

        // Nothing was folded on the publish path; the report folds what is pending first.
        #expect(try await count("analytics_pending", fixture) == 2)
        #expect(try await count("analytics_daily", fixture) == 0)
        let report = try await AnalyticsStore(pool: fixture.pool).report(AnalyticsQuery(tenant: "acme", since: "2026-12-01", until: "2026-12-01"))
        #expect(report.totals.messagesIn == 2 && report.totals.activeUsers == 2 && report.totals.newUsers == 2)
        #expect(report.channels.map(\.channel) == ["telegram"])
        #expect(try await count("analytics_pending", fixture) == 0)
        await fixture.shutdown()
    }

    /// The roller service folds every pending event on its own, without a report asking.
    @Test func theRollerEmptiesPending() async throws {
        let fixture = try await BusFixture.make(installations: ["acme/crm"])
        let published = try await publishMix(fixture, tenant: "acme", seed: 3, conversations: 12)
        let queued = try await count("analytics_pending", fixture)
        #expect(queued == published.count)
        #expect(try await count("analytics_daily", fixture) == 0)

        let store = AnalyticsStore(pool: fixture.pool)
        let roller = Task { try await AnalyticsRoller(store: store, interval: .milliseconds(50), logger: quietLogger).run() }
        let deadline = ContinuousClock.now + .seconds(30)
        while try await count("analytics_pending", fixture) > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await count("analytics_pending", fixture) == 0)
        // Read the rollups directly: a report would fold by itself.
        let row = try #require(try await fixture.pool.query("""
            SELECT sum(messages_in)::bigint AS messages_in, sum(messages_out)::bigint AS messages_out FROM analytics_daily WHERE tenant_id = 'acme'
            """).first)
        let expected = try Self.expected(published, days: nil, channel: nil)
        #expect(try row.decode("messages_in", as: Int.self) == expected.messagesIn)
        #expect(try row.decode("messages_out", as: Int.self) == expected.messagesOut)
        // Cancelled (as a group's graceful shutdown does), it returns.
        roller.cancel()
        try await roller.value
        await fixture.shutdown()
    }

    /// Several rollers at once, in small batches, fold every event exactly once, users included.
    @Test func concurrentRollsFoldEveryEventOnce() async throws {
        let fixture = try await BusFixture.make(installations: ["acme/crm"], poolSize: 5)
        let published = try await publishMix(fixture, tenant: "acme", seed: 44, conversations: 30)
        let store = AnalyticsStore(pool: fixture.pool)
        let taken = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var taken = 0
                    while true {
                        let batch = try await store.roll(max: 7)
                        taken += batch
                        if batch < 7 { return taken }
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(taken == published.count)
        #expect(try await count("analytics_pending", fixture) == 0)
        let report = try await store.report(AnalyticsQuery(tenant: "acme", since: "2026-12-01", until: "2026-12-10"))
        try check(report.totals, Self.expected(published, days: nil, channel: nil))
        await fixture.shutdown()
    }

    func count(_ table: String, _ fixture: BusFixture) async throws -> Int {
        try await fixture.pool.query("SELECT count(*) AS n FROM \(table)").first!.decode("n")
    }
}

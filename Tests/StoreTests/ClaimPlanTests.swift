import Foundation
@testable import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// The claim's plan as a worker's connection keeps it (`DeliveryQueue.keyedPlans`): made once,
    /// without the parameters' values, it must reach the rows by index whatever the statistics
    /// said when it was made; a plan that scans the outbox costs each claim time in proportion to
    /// every row ever delivered.
    @Suite struct ClaimPlanTests {
        @Test func theClaimsPlanReachesRowsByIndexWhetherTheStatisticsAreStaleOrFresh() async throws {
            let fixture = try await BusFixture.make(installations: ["one/webhooks", "eight/webhooks"])
            _ = try await fixture.pool.query("""
                INSERT INTO event_targets (id, tenant_id, plugin_id, patterns, secrets_sealed, secrets_key_id)
                SELECT 'tgt_' || lpad(to_hex(g), 24, '0'), CASE WHEN g = 0 THEN 'one' ELSE 'eight' END, 'webhooks', ARRAY['lead.*'], '\\x00', 'k'
                FROM generate_series(0, 8) g
                """)
            // Statistics of an empty outbox, as when a worker starts before the first burst.
            _ = try await fixture.pool.query("ANALYZE")
            // Nine targets and 26,400 rows, 10,000 of them delivered, as after a burst.
            _ = try await fixture.pool.query("""
                WITH e AS (
                    INSERT INTO events (id, type, tenant_id, data, occurred_at)
                    SELECT 'ev' || g, 'lead.created', CASE WHEN g % 5 = 0 THEN 'one' ELSE 'eight' END, '{}', now()
                    FROM generate_series(1, 4000) g RETURNING id, tenant_id, seq
                )
                INSERT INTO deliveries (event_id, subscriber, tenant_id, event_seq, target)
                SELECT e.id, 'webhooks', e.tenant_id, e.seq, t.id FROM e JOIN event_targets t ON t.tenant_id = e.tenant_id
                """)
            _ = try await fixture.pool.query("""
                UPDATE deliveries SET status = 'delivered', delivered_at = now()
                WHERE (event_id, tenant_id, subscriber, target) IN (SELECT event_id, tenant_id, subscriber, target FROM deliveries ORDER BY event_seq LIMIT 10000)
                """)
            let stale = try await Self.claimPlan(fixture)
            _ = try await fixture.pool.query("ANALYZE")
            let fresh = try await Self.claimPlan(fixture)
            for plan in [stale.plan, fresh.plan] {
                #expect(!plan.contains("Seq Scan on deliveries"), "\(plan)")
                #expect(!plan.contains("Hash Join"), "\(plan)")
                #expect(plan.contains("Index Scan using deliveries_due"), "\(plan)")
                #expect(plan.contains("actual rows=64 loops=1"), "the claim took a full batch: \(plan)")
            }
            #expect(stale.custom == 0 && fresh.custom == 0, "the claim is planned once per connection, not at every claim")
            await fixture.shutdown()
        }

        /// The claim's plan the second time a connection runs it, as the worker runs it, and how
        /// many times it was planned for its parameters' values.
        static func claimPlan(_ fixture: BusFixture) async throws -> (plan: String, custom: Int) {
            try await fixture.pool.withConnection { connection -> (plan: String, custom: Int) in
                try connection.run("DEALLOCATE ALL")
                try connection.run("PREPARE claim_plan (int, float8, int, text, int, int, float8) AS " + DeliveryQueue.claim(limit: 64))
                var plan = ""
                for _ in 0..<2 {
                    try connection.run("BEGIN; " + DeliveryQueue.keyedPlans)
                    defer { try? connection.run("ROLLBACK") }
                    let rows = try connection.query("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) EXECUTE claim_plan (64, 120, 8, 'x', 8, 5, 1.0)")
                    plan = try rows.map { try $0.decode("QUERY PLAN", as: String.self) }.joined(separator: "\n")
                }
                let custom: Int = try connection.query("SELECT custom_plans FROM pg_prepared_statements WHERE name = 'claim_plan'")[0].decode("custom_plans")
                return (plan, custom)
            }
        }
    }
}

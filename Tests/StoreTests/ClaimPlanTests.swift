import Foundation
@testable import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// The claim's plan as a worker's prepared statement gets it: the generic plan, made without
    /// the parameters' values. It must reach the claimed rows by index, whatever the outbox holds;
    /// a plan that scans the outbox costs a claim time in proportion to every row ever delivered.
    @Suite struct ClaimPlanTests {
        @Test func theGenericPlanReachesClaimedRowsByIndexNotByScanningTheOutbox() async throws {
            let fixture = try await BusFixture.make(installations: ["one/webhooks", "eight/webhooks"])
            // Nine targets and 26,400 rows, 10,000 of them delivered, as after a burst.
            _ = try await fixture.pool.query("""
                INSERT INTO event_targets (id, tenant_id, plugin_id, patterns, secrets_sealed, secrets_key_id)
                SELECT 'tgt_' || lpad(to_hex(g), 24, '0'), CASE WHEN g = 0 THEN 'one' ELSE 'eight' END, 'webhooks', ARRAY['lead.*'], '\\x00', 'k'
                FROM generate_series(0, 8) g
                """)
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
            _ = try await fixture.pool.query("ANALYZE")
            let plan = try await fixture.pool.withConnection { connection -> String in
                try connection.run("SET plan_cache_mode = force_generic_plan")
                try connection.run("PREPARE claim_plan (int, float8, int, text, int, int, float8) AS " + DeliveryQueue.claim(limit: 64))
                try connection.run("BEGIN")
                defer { try? connection.run("ROLLBACK") }
                let rows = try connection.query("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) EXECUTE claim_plan (64, 120, 8, 'x', 8, 5, 1.0)")
                return try rows.map { try $0.decode("QUERY PLAN", as: String.self) }.joined(separator: "\n")
            }
            #expect(!plan.contains("Seq Scan on deliveries"), "\(plan)")
            #expect(plan.contains("Index Scan using deliveries_due"), "\(plan)")
            #expect(plan.contains("actual rows=64 loops=1"), "the claim took a full batch: \(plan)")
            await fixture.shutdown()
        }
    }
}

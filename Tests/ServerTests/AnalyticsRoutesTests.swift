import Foundation
import MarketStore
import Testing

extension ServerTests {
    /// `GET /v1/tenants/{tenant}/analytics` on a live server and a real database.
    @Suite struct AnalyticsRoutes {
        @Test func theFiguresAreServedPerTenantAndBadRangesAreRefusedByCode() async throws {
            try await TenantAPIWorld.with { world in
                // The host's own events, as the engine writes them (the API refuses their types).
                try await Task.detached {
                    let connection = try PostgresConnection.connect(world.database)
                    defer { connection.close() }
                    _ = try connection.query("""
                        INSERT INTO events (id, type, tenant_id, conversation_id, data, occurred_at) VALUES
                          ('a1', 'conversation.started', 'tenant-a', 'c1', '{"channel":"api","user_id":"u1"}', '2026-11-30T23:59:00Z'),
                          ('a2', 'message.received', 'tenant-a', 'c1', '{"channel":"api","user_id":"u1"}', '2026-11-30T23:59:00Z'),
                          ('a3', 'llm.completed', 'tenant-a', 'c1', '{"channel":"api","prompt_tokens":12,"completion_tokens":5}', '2026-11-30T23:59:01Z'),
                          ('a4', 'message.sent', 'tenant-a', 'c1', '{"channel":"api","latency_ms":0,"fallback":false}', '2026-11-30T23:59:01Z'),
                          ('a5', 'message.received', 'tenant-a', 'c1', '{"channel":"api","user_id":"u1"}', '2026-12-01T00:00:10Z'),
                          ('a6', 'llm.failed', 'tenant-a', 'c1', '{"channel":"api"}', '2026-12-01T00:00:11Z'),
                          ('a7', 'message.sent', 'tenant-a', 'c1', '{"channel":"api","latency_ms":0,"fallback":true}', '2026-12-01T00:00:11Z'),
                          ('b1', 'message.received', 'tenant-b', 'c2', '{"channel":"api","user_id":"u9"}', '2026-12-01T00:00:10Z')
                        """)
                }.value
                let path = "/v1/tenants/tenant-a/analytics?since=2026-11-30&until=2026-12-01"
                let reply = try await world.call("GET", path, token: world.tokenA)
                #expect(reply.status == 200, "\(reply.text)")
                let body = try reply.json()
                let totals = try #require(body["totals"] as? [String: Any])
                #expect(totals["conversations"] as? Int == 1 && totals["messages_in"] as? Int == 2 && totals["messages_out"] as? Int == 2)
                #expect(totals["new_users"] as? Int == 1 && totals["active_users"] as? Int == 2 && totals["returning_users"] as? Int == 1)
                #expect(totals["fallback_replies"] as? Int == 1 && totals["fallback_rate"] as? Double == 0.5)
                #expect(totals["model_errors"] as? Int == 1 && totals["prompt_tokens"] as? Int == 12 && totals["latency_p50_ms"] as? Int == 0)
                let days = try #require(body["days"] as? [[String: Any]])
                #expect(days.map { $0["day"] as? String } == ["2026-11-30", "2026-12-01"])
                #expect(days.map { $0["returning_users"] as? Int } == [0, 1])
                #expect((body["channels"] as? [[String: Any]])?.map { $0["channel"] as? String } == ["api"])

                let other = try await world.call("GET", path, token: world.tokenB)
                #expect(other.status == 403)
                for (query, status, code) in [("since=2026-13-01", 400, "ANALYTICS_QUERY_INVALID"), ("channel=a%20b", 400, "ANALYTICS_QUERY_INVALID"),
                                              ("since=2026-02-30", 422, "ANALYTICS_RANGE_INVALID"),
                                              ("since=2026-12-02&until=2026-12-01", 422, "ANALYTICS_RANGE_INVALID")] {
                    let refused = try await world.call("GET", "/v1/tenants/tenant-a/analytics?" + query, token: world.tokenA)
                    let refusedCode = try refused.json()["code"] as? String
                    #expect(refused.status == status && refusedCode == code, "\(query): \(refused.text)")
                }
            }
        }
    }
}

import Foundation
import Logging
import MarketStore

/// A private PostgreSQL cluster holding one tenant's year of bot events: 1,000,000 events over
/// 2026 on three channels, 20,000 conversations of 5,000 users, written through the `events`
/// table's analytics trigger as publishing writes them (which queues them), then folded into the
/// rollups by `AnalyticsStore.rollPending`, as `market serve`'s roller does.
final class AnalyticsWorld: Sendable {
    let cluster: PrivateCluster
    let pool: DatabasePool

    static let tenant = "bench"
    static let events = 1_000_000

    private init(cluster: PrivateCluster, pool: DatabasePool) {
        self.cluster = cluster
        self.pool = pool
    }

    static func start(logger: Logger) async throws -> AnalyticsWorld {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("market-bench-analytics-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cluster = PrivateCluster(stateDirectory: folder)
        _ = try await cluster.start()
        let pool = DatabasePool(connectionString: cluster.connectionString, logger: logger)
        pool.start()
        try await Migrator().apply(using: pool, logger: logger)
        let world = AnalyticsWorld(cluster: cluster, pool: pool)
        try await world.load()
        return world
    }

    /// Inserts the events in statements of 100,000, each one trigger firing, as a large batch
    /// publish would be, then folds them; the mix per reply is received, model call, tool call,
    /// model call, sent.
    func load() async throws {
        let started = ContinuousClock.now
        _ = try await pool.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [Self.tenant])
        _ = try await pool.query("""
            INSERT INTO conversations (id, tenant_id, channel, external_chat_id, external_user_id)
            SELECT 'cnv_b' || i, $1, (ARRAY['telegram', 'api', 'cli'])[1 + i % 3], 'c' || i, 'u' || (i % 5000)
            FROM generate_series(0, 19999) AS i
            """, [Self.tenant])
        for chunk in 0..<(Self.events / 100_000) {
            _ = try await pool.query(Self.insert, [Self.tenant, chunk * 100_000, chunk * 100_000 + 99_999, Self.events])
        }
        let inserted = ContinuousClock.now
        print("inserted \(Self.events) events through the trigger in \(inserted - started)")
        let folded = try await AnalyticsStore(pool: pool).rollPending()
        print("folded \(folded) pending events in \(ContinuousClock.now - inserted)")
        // As autovacuum would soon: the queue's million deleted rows would slow its next scans.
        _ = try await pool.query("VACUUM ANALYZE analytics_pending")
        _ = try await pool.query("VACUUM ANALYZE analytics_daily")
        _ = try await pool.query("VACUUM ANALYZE analytics_latency")
    }

    /// $1 tenant, $2…$3 the events' numbers, $4 the total (which spreads them over 365 days).
    static let insert = """
        INSERT INTO events (id, type, tenant_id, conversation_id, data, occurred_at)
        SELECT 'evt_b' || i, t.type, $1, 'cnv_b' || (i / 50 % 20000),
            CASE t.type
                WHEN 'message.received' THEN jsonb_build_object('text', 'hello', 'command', false,
                    'channel', (ARRAY['telegram', 'api', 'cli'])[1 + (i / 50 % 20000) % 3], 'user_id', 'u' || ((i / 50 % 20000) % 5000))
                WHEN 'message.sent' THEN jsonb_build_object('text', 'hi', 'steps', 2, 'latency_ms', 200 + i % 3000, 'fallback', i % 17 = 0)
                WHEN 'llm.completed' THEN jsonb_build_object('plugin', 'openai', 'prompt_tokens', 100 + i % 50, 'completion_tokens', 20 + i % 30)
                ELSE jsonb_build_object('plugin', 'textkit', 'tool', 'word_count', 'ok', i % 11 <> 0)
            END,
            timestamptz '2026-01-01' + (i::double precision / $4::int) * interval '365 days'
        FROM generate_series($2::int, $3::int) AS i
        CROSS JOIN LATERAL (SELECT (ARRAY['message.received', 'llm.completed', 'tool.called', 'llm.completed', 'message.sent'])[1 + i % 5] AS type) AS t
        """

    func stop() async throws {
        await pool.shutdown()
        _ = try await cluster.stop()
        try? FileManager.default.removeItem(at: cluster.folder.deletingLastPathComponent())
    }
}

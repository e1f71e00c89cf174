import MarketCore

/// Reads the analytics rollups (migration 14), which a trigger on `events` keeps current as the
/// bot's events are written: a year of a tenant's figures is a few hundred daily rows and a few
/// thousand histogram rows, however many events it had (docs/decisions.md, "Analytics").
public final class AnalyticsStore: Sendable {
    let pool: DatabasePool

    public init(pool: DatabasePool) {
        self.pool = pool
    }

    /// The figures `query` asks for; a tenant without events has empty figures.
    /// - Throws: `TENANT_NOT_FOUND`; store errors.
    public func report(_ query: AnalyticsQuery) async throws -> AnalyticsReport {
        let parameters: [any PostgresEncodable] = [query.tenant, query.since, query.until, query.channel]
        let (counters, latencies) = try await pool.withConnection { connection in
            try connection.transaction { connection in
                // One snapshot for both tables, so a reply is never half in the figures.
                _ = try connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                guard try connection.prepared("SELECT 1 FROM tenants WHERE id = $1", [query.tenant]).first != nil else {
                    throw MarketError(.tenantNotFound, "there is no tenant \(query.tenant)", fix: "list the tenants with `market tenant list`")
                }
                return (try connection.prepared(Self.countersSQL, parameters), try connection.prepared(Self.latencySQL, parameters))
            }
        }
        var byDayChannel: [Key: AnalyticsFigures] = [:]
        for row in counters {
            var figures = AnalyticsFigures()
            figures.conversations = try row.decode(2)
            figures.activeUsers = try row.decode(3)
            figures.newUsers = try row.decode(4)
            figures.messagesIn = try row.decode(5)
            figures.messagesOut = try row.decode(6)
            figures.fallbackReplies = try row.decode(7)
            figures.toolCalls = try row.decode(8)
            figures.toolErrors = try row.decode(9)
            figures.modelCalls = try row.decode(10)
            figures.modelErrors = try row.decode(11)
            figures.promptTokens = try row.decode(12)
            figures.completionTokens = try row.decode(13)
            byDayChannel[Key(day: try row.decode(0), channel: try row.decode(1)), default: AnalyticsFigures()].add(figures)
        }
        for row in latencies {
            let key = Key(day: try row.decode(0), channel: try row.decode(1))
            byDayChannel[key, default: AnalyticsFigures()].latency.add(bucket: try row.decode(2), count: try row.decode(3))
        }
        var totals = AnalyticsFigures()
        var byDay: [String: AnalyticsFigures] = [:]
        var byChannel: [String: AnalyticsFigures] = [:]
        for (key, figures) in byDayChannel {
            totals.add(figures)
            byDay[key.day, default: AnalyticsFigures()].add(figures)
            byChannel[key.channel, default: AnalyticsFigures()].add(figures)
        }
        return AnalyticsReport(query: query, totals: totals,
                               days: byDay.sorted { $0.key < $1.key }.map { AnalyticsReport.Day(day: $0.key, figures: $0.value) },
                               channels: byChannel.sorted { $0.key < $1.key }.map { AnalyticsReport.Channel(channel: $0.key, figures: $0.value) })
    }

    struct Key: Hashable {
        let day: String
        let channel: String
    }

    /// $1 tenant, $2 and $3 the first and last day, $4 a channel or NULL for all.
    static let countersSQL = """
        SELECT day::text, channel, conversations, active_users, new_users, messages_in, messages_out, fallback_replies,
               tool_calls, tool_errors, model_calls, model_errors, prompt_tokens, completion_tokens
        FROM analytics_daily
        WHERE tenant_id = $1 AND day BETWEEN $2::date AND $3::date AND ($4::text IS NULL OR channel = $4::text)
        """

    static let latencySQL = """
        SELECT day::text, channel, bucket, replies FROM analytics_latency
        WHERE tenant_id = $1 AND day BETWEEN $2::date AND $3::date AND ($4::text IS NULL OR channel = $4::text)
        """
}

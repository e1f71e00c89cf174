import MarketCore

/// Reads the analytics rollups (migration 13), into which `roll` folds the bot events a trigger
/// on `events` queued: a year of a tenant's figures is about a thousand daily rows and twenty
/// thousand histogram rows, however many events it had (docs/decisions.md, "Analytics").
/// PostgreSQL sums them by day, by channel and in all (grouping sets) and finds each group's
/// percentile buckets, so the answer is a few hundred rows.
public final class AnalyticsStore: Sendable {
    let pool: DatabasePool

    /// Pending events one roll folds at most: about a quarter of a second of the fold's work
    /// here, so a report that waits for another roll waits little.
    public static let rollBatch = 10_000

    public init(pool: DatabasePool) {
        self.pool = pool
    }

    /// Folds up to `max` pending events into the rollups, in one transaction (`analytics_roll`).
    /// Safe from several processes at once.
    /// - Returns: the pending rows taken; fewer than `max` when none were left.
    public func roll(max: Int = AnalyticsStore.rollBatch) async throws -> Int {
        guard let row = try await pool.query("SELECT analytics_roll($1::integer) AS taken", [max]).first else { return 0 }
        return try row.decode("taken")
    }

    /// Folds every event pending when it starts (and any committed meanwhile), one batch at a time.
    /// - Returns: the pending rows taken.
    @discardableResult
    public func rollPending() async throws -> Int {
        var total = 0
        while true {
            let taken = try await roll()
            total += taken
            if taken < Self.rollBatch { return total }
        }
    }

    /// The figures `query` asks for; a tenant without events has empty figures. Folds the
    /// pending events first, so the answer counts every event committed before the call,
    /// whether or not a server's roller is running.
    /// - Throws: `TENANT_NOT_FOUND`; store errors.
    public func report(_ query: AnalyticsQuery) async throws -> AnalyticsReport {
        try await rollPending()
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
        var groups: [Group: AnalyticsFigures] = [:]
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
            groups[try Group(row)] = figures
        }
        for row in latencies {
            let group = try Group(row)
            groups[group, default: AnalyticsFigures()].timedReplies = try row.decode(2)
            groups[group, default: AnalyticsFigures()].latencyP50Milliseconds = LatencyBuckets.representative(bucket: try row.decode(3))
            groups[group, default: AnalyticsFigures()].latencyP95Milliseconds = LatencyBuckets.representative(bucket: try row.decode(4))
        }
        var days: [AnalyticsReport.Day] = []
        var channels: [AnalyticsReport.Channel] = []
        for (group, figures) in groups {
            switch group {
            case .day(let day): days.append(.init(day: day, figures: figures))
            case .channel(let channel): channels.append(.init(channel: channel, figures: figures))
            case .all: break
            }
        }
        return AnalyticsReport(query: query, totals: groups[.all] ?? AnalyticsFigures(),
                               days: days.sorted { $0.day < $1.day }, channels: channels.sorted { $0.channel < $1.channel })
    }

    /// What a result row sums: one day, one channel, or the whole range.
    enum Group: Hashable {
        case day(String)
        case channel(String)
        case all

        /// From a row's first two columns: the day and the channel, one or both NULL.
        init(_ row: Row) throws {
            if let day = try row.decode(0, as: String?.self) {
                self = .day(day)
            } else if let channel = try row.decode(1, as: String?.self) {
                self = .channel(channel)
            } else {
                self = .all
            }
        }
    }

    /// $1 tenant, $2 and $3 the first and last day, $4 a channel or NULL for all.
    static let range = "tenant_id = $1 AND day BETWEEN $2::date AND $3::date AND ($4::text IS NULL OR channel = $4::text)"

    static let countersSQL = """
        SELECT day::text, channel, sum(conversations), sum(active_users), sum(new_users), sum(messages_in), sum(messages_out),
               sum(fallback_replies), sum(tool_calls), sum(tool_errors), sum(model_calls), sum(model_errors), sum(prompt_tokens),
               sum(completion_tokens)
        FROM analytics_daily WHERE \(range)
        GROUP BY GROUPING SETS ((day), (channel), ())
        HAVING count(*) > 0
        """

    /// Each group's histogram, then the bucket holding its nearest-rank p50 and p95: the first
    /// bucket whose running count reaches ⌈p·n⌉. Counts are summed as float8 (exact to 2^53),
    /// which PostgreSQL adds much faster than the numeric a sum of bigints makes.
    static let latencySQL = """
        WITH histograms AS (
            SELECT GROUPING(day, channel) AS level, day, channel, bucket, sum(replies)::float8 AS replies
            FROM analytics_latency WHERE \(range)
            GROUP BY GROUPING SETS ((day, bucket), (channel, bucket), (bucket))
        ), running AS (
            SELECT level, day, channel, bucket,
                   sum(replies) OVER (PARTITION BY level, day, channel ORDER BY bucket) AS seen,
                   sum(replies) OVER (PARTITION BY level, day, channel) AS total
            FROM histograms
        )
        SELECT day::text, channel, max(total)::bigint,
               min(bucket) FILTER (WHERE seen >= ceil(0.5 * total)),
               min(bucket) FILTER (WHERE seen >= ceil(0.95 * total))
        FROM running GROUP BY level, day, channel
        """
}

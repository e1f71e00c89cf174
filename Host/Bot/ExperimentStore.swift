import Foundation
import Logging
import MarketCore
import MarketStore

/// Experiments in PostgreSQL (`experiments`, migration 2) and the per-variant report computed
/// from the stored conversations, messages and feedback.
public final class ExperimentStore: Sendable {
    let pool: DatabasePool
    let logger: Logger

    public init(pool: DatabasePool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    /// Creates an experiment and makes it the tenant's active one (the one active before is
    /// stopped in the same transaction).
    /// - Throws: `EXPERIMENT_INVALID`, `TENANT_NOT_FOUND`, or `EXPERIMENT_INVALID` when the id is taken.
    public func create(_ experiment: Experiment, tenant: String) async throws {
        try experiment.validate()
        let variants = JSONValue.array(experiment.variants.map(\.json))
        try await pool.transaction { connection in
            try ConversationStore.requireTenant(tenant, connection)
            _ = try connection.prepared("UPDATE experiments SET active = false WHERE tenant_id = $1 AND active", [tenant])
            let inserted = try connection.prepared("""
                INSERT INTO experiments (tenant_id, id, variants, active) VALUES ($1, $2, $3, true) ON CONFLICT DO NOTHING
                """, [tenant, experiment.id, variants])
            guard inserted.affectedRows == 1 else {
                throw MarketError(.experimentInvalid, "tenant \(tenant) already has an experiment \(experiment.id)",
                                  fix: "choose another id; experiments are never changed once created, so results stay comparable")
            }
        }
        logger.info("experiment created", metadata: ["tenant": .string(tenant), "experiment": .string(experiment.id)])
    }

    /// Stops the tenant's active experiment; returns whether one was active.
    @discardableResult
    public func stop(tenant: String) async throws -> Bool {
        try await pool.withConnection { connection in
            try connection.prepared("UPDATE experiments SET active = false WHERE tenant_id = $1 AND active", [tenant]).affectedRows > 0
        }
    }

    /// The tenant's experiments, newest first.
    public func list(tenant: String) async throws -> [Experiment] {
        try await pool.withConnection { connection in
            try connection.prepared("SELECT id, variants, active, created_at FROM experiments WHERE tenant_id = $1 ORDER BY created_at DESC, id",
                                    [tenant]).map(Self.experiment)
        }
    }

    /// The tenant's active experiment, if any.
    public func active(tenant: String) async throws -> Experiment? {
        try await pool.withConnection { connection in
            try connection.prepared("SELECT id, variants, active, created_at FROM experiments WHERE tenant_id = $1 AND active",
                                    [tenant]).first.map(Self.experiment)
        }
    }

    static func experiment(_ row: Row) throws -> Experiment {
        let variants: JSONValue = try row.decode("variants")
        let list: [Experiment.Variant] = if case .array(let entries) = variants { entries.compactMap(Experiment.Variant.init(json:)) } else { [] }
        return Experiment(id: try row.decode("id"), variants: list, active: try row.decode("active"), createdAt: try row.decode("created_at"))
    }

    /// The figures of each variant, from what is stored.
    /// - Throws: `EXPERIMENT_NOT_FOUND`.
    public func report(_ experimentID: String, tenant: String) async throws -> ExperimentReport {
        try await pool.withConnection { connection in
            guard let row = try connection.prepared("SELECT id, variants, active, created_at FROM experiments WHERE tenant_id = $1 AND id = $2",
                                                    [tenant, experimentID]).first else {
                throw MarketError(.experimentNotFound, "tenant \(tenant) has no experiment \(experimentID)",
                                  fix: "list them with `market experiments list --tenant \(tenant)`")
            }
            let experiment = try Self.experiment(row)
            let figures = try connection.prepared(Self.reportSQL, [tenant, experimentID])
            var byName: [String: ExperimentReport.VariantFigures] = [:]
            for row in figures {
                let name: String = try row.decode("variant")
                byName[name] = ExperimentReport.VariantFigures(
                    variant: name, conversations: try row.decode("conversations"), messages: try row.decode("messages"),
                    latencyP50Milliseconds: try row.decode("p50"), latencyP95Milliseconds: try row.decode("p95"),
                    promptTokens: try row.decode("prompt_tokens"), completionTokens: try row.decode("completion_tokens"),
                    toolCalls: try row.decode("tool_calls"), toolErrors: try row.decode("tool_errors"),
                    feedbackUp: try row.decode("feedback_up"), feedbackDown: try row.decode("feedback_down"),
                    latency: WelchTest.Sample(count: try row.decode("latency_n"), mean: try row.decode("latency_mean"),
                                              variance: try row.decode("latency_var")),
                    tokensPerAnswer: WelchTest.Sample(count: try row.decode("tokens_n"), mean: try row.decode("tokens_mean"),
                                                      variance: try row.decode("tokens_var")))
            }
            return ExperimentReport(experiment: experiment, variants: experiment.variants.map { byName[$0.name] ?? .empty($0.name) })
        }
    }

    /// One row per variant seen in the stored data. Messages are the users' messages; latency
    /// and tokens come from the model's answers; tool figures from the tool results.
    private static let reportSQL = """
        WITH names AS (
            SELECT variant FROM conversations WHERE tenant_id = $1 AND experiment_id = $2
            UNION SELECT variant FROM messages WHERE tenant_id = $1 AND experiment_id = $2
            UNION SELECT variant FROM feedback WHERE tenant_id = $1 AND experiment_id = $2
        )
        SELECT n.variant,
            (SELECT count(*) FROM conversations c WHERE c.tenant_id = $1 AND c.experiment_id = $2 AND c.variant = n.variant) AS conversations,
            (SELECT count(*) FROM messages m WHERE m.tenant_id = $1 AND m.experiment_id = $2 AND m.variant = n.variant AND m.role = 'user') AS messages,
            (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) FROM messages m
                WHERE m.tenant_id = $1 AND m.experiment_id = $2 AND m.variant = n.variant AND m.latency_ms IS NOT NULL) AS p50,
            (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) FROM messages m
                WHERE m.tenant_id = $1 AND m.experiment_id = $2 AND m.variant = n.variant AND m.latency_ms IS NOT NULL) AS p95,
            (SELECT count(latency_ms) FROM messages m
                WHERE m.tenant_id = $1 AND m.experiment_id = $2 AND m.variant = n.variant AND m.latency_ms IS NOT NULL) AS latency_n,
            (SELECT coalesce(avg(latency_ms), 0)::float8 FROM messages m
                WHERE m.tenant_id = $1 AND m.experiment_id = $2 AND m.variant = n.variant AND m.latency_ms IS NOT NULL) AS latency_mean,
            (SELECT coalesce(var_samp(latency_ms), 0)::float8 FROM messages m
                WHERE m.tenant_id = $1 AND m.experiment_id = $2 AND m.variant = n.variant AND m.latency_ms IS NOT NULL) AS latency_var,
            (SELECT count(*) FROM messages m WHERE m.tenant_id = $1 AND m.experiment_id = $2 AND m.variant = n.variant
                AND m.role = 'assistant' AND coalesce(m.prompt_tokens, m.completion_tokens) IS NOT NULL) AS tokens_n,
            (SELECT coalesce(avg(coalesce(prompt_tokens, 0) + coalesce(completion_tokens, 0)), 0)::float8 FROM messages m
                WHERE m.tenant_id = $1 AND m.experiment_id = $2 AND m.variant = n.variant
                AND m.role = 'assistant' AND coalesce(m.prompt_tokens, m.completion_tokens) IS NOT NULL) AS tokens_mean,
            (SELECT coalesce(var_samp(coalesce(prompt_tokens, 0) + coalesce(completion_tokens, 0)), 0)::float8 FROM messages m
                WHERE m.tenant_id = $1 AND m.experiment_id = $2 AND m.variant = n.variant
                AND m.role = 'assistant' AND coalesce(m.prompt_tokens, m.completion_tokens) IS NOT NULL) AS tokens_var,
            (SELECT coalesce(sum(prompt_tokens), 0) FROM messages m WHERE m.tenant_id = $1 AND m.experiment_id = $2 AND m.variant = n.variant) AS prompt_tokens,
            (SELECT coalesce(sum(completion_tokens), 0) FROM messages m WHERE m.tenant_id = $1 AND m.experiment_id = $2 AND m.variant = n.variant) AS completion_tokens,
            (SELECT count(*) FROM messages m WHERE m.tenant_id = $1 AND m.experiment_id = $2 AND m.variant = n.variant AND m.role = 'tool') AS tool_calls,
            (SELECT count(*) FROM messages m WHERE m.tenant_id = $1 AND m.experiment_id = $2 AND m.variant = n.variant AND m.role = 'tool' AND m.tool_error) AS tool_errors,
            (SELECT count(*) FROM feedback f WHERE f.tenant_id = $1 AND f.experiment_id = $2 AND f.variant = n.variant AND f.value = 1) AS feedback_up,
            (SELECT count(*) FROM feedback f WHERE f.tenant_id = $1 AND f.experiment_id = $2 AND f.variant = n.variant AND f.value = -1) AS feedback_down
        FROM names n WHERE n.variant IS NOT NULL
        """
}

import Foundation
import Logging
import MarketCore
import MarketStore
import Synchronization

/// The bot's tables (migration 2): settings, conversations, messages and feedback. Every
/// statement names the tenant; work runs on the pool's threads.
public final class ConversationStore: Sendable {
    let pool: DatabasePool
    let logger: Logger
    /// Conversations looked up or made in one statement with those of concurrent replies.
    let resolving: GroupCommit<ConversationRequest, (id: String, created: Bool)>
    /// Conversation ids already known, by tenant and address (conversations are never deleted).
    let known = KnownConversations(limit: ConversationStore.knownLimit)
    /// The recent history of active conversations (see `recentHistory`).
    let recent: HistoryCache
    /// Rows the history reads returned.
    let rowsRead = Atomic<Int>(0)

    /// - Parameters:
    ///   - pool: a pool on a database the migrations have been applied to.
    ///   - historyCapacity: what the recent history kept in memory may cost in all: characters
    ///     of its messages plus about 100 a message (see `HistoryCache`).
    public init(pool: DatabasePool, historyCapacity: Int = ConversationStore.defaultHistoryCapacity, logger: Logger) {
        self.pool = pool
        self.logger = logger
        recent = HistoryCache(capacity: historyCapacity)
        resolving = GroupCommit(pool: pool) { requests, connection in try Self.resolve(requests, on: connection) }
    }

    // MARK: Settings

    /// The tenant's bot settings, or the defaults.
    public func settings(tenant: String) async throws -> BotSettings {
        try await pool.withConnection { connection in
            guard let row = try connection.prepared("""
                SELECT system_prompt, model_plugin, context_chars, max_steps FROM bot_settings WHERE tenant_id = $1
                """, [tenant]).first else { return .defaults }
            return BotSettings(systemPrompt: try row.decode("system_prompt"), modelPlugin: try row.decode("model_plugin"),
                               contextCharacters: try row.decode("context_chars"), maxSteps: try row.decode("max_steps"))
        }
    }

    /// Replaces the tenant's bot settings.
    /// - Throws: `BOT_SETTING_INVALID` for a budget under 200 characters or steps outside
    ///   1…50; `TENANT_NOT_FOUND`.
    public func saveSettings(_ settings: BotSettings, tenant: String) async throws {
        guard settings.contextCharacters >= 200 else {
            throw MarketError(.botSettingInvalid, "a context budget of \(settings.contextCharacters) characters is too small",
                              fix: "give at least 200 characters (24000 is the default)")
        }
        guard (1...50).contains(settings.maxSteps) else {
            throw MarketError(.botSettingInvalid, "\(settings.maxSteps) steps per reply is outside 1…50", fix: "choose a step limit from 1 to 50 (6 is the default)")
        }
        try await pool.transaction { connection in
            try Self.requireTenant(tenant, connection)
            _ = try connection.prepared("""
                INSERT INTO bot_settings (tenant_id, system_prompt, model_plugin, context_chars, max_steps) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (tenant_id) DO UPDATE SET system_prompt = excluded.system_prompt, model_plugin = excluded.model_plugin,
                    context_chars = excluded.context_chars, max_steps = excluded.max_steps, updated_at = now()
                """, [tenant, settings.systemPrompt, settings.modelPlugin, settings.contextCharacters, settings.maxSteps])
        }
    }

    // MARK: Conversations

    /// The conversation of `address`, made when there is none yet (then `created` is true and
    /// it is stamped with `assignment`). Known conversations are answered from memory; the
    /// others are looked up or made in one statement with those of concurrent replies.
    public func conversation(tenant: String, address: ChatAddress, assignment: Assignment?) async throws -> (id: String, created: Bool) {
        if let known = known.id(tenant: tenant, address: address) { return (known, false) }
        do {
            let found = try await resolving.submit(ConversationRequest(key: ConversationKey(tenant: tenant, address: address), assignment: assignment))
            known.remember(found.id, tenant: tenant, address: address)
            return found
        } catch let error as MarketError where (error.underlying as? PostgresError)?.sqlState == "23503" {
            throw MarketError(.tenantNotFound, "there is no tenant \(tenant)", fix: "list tenants with `market tenant list`, or create it with `market tenant create \(tenant)`")
        }
    }

    /// 16 MiB: some 700 conversations at the default budget (24,000 characters), or 10,000 of 1,600.
    public static let defaultHistoryCapacity = 16 << 20

    /// Far more conversations than a host serves at once, at some 45 bytes each; a conversation
    /// forgotten costs one indexed lookup, shared with its neighbours', when it speaks again.
    static let knownLimit = 50_000

    /// Usage figures stored with an assistant message a model wrote.
    public struct Usage: Sendable, Equatable {
        public var promptTokens: Int?
        public var completionTokens: Int?
        public var latencyMilliseconds: Int?

        public init(promptTokens: Int? = nil, completionTokens: Int? = nil, latencyMilliseconds: Int? = nil) {
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
            self.latencyMilliseconds = latencyMilliseconds
        }
    }

    /// Appends a message to a conversation of the tenant.
    /// - Throws: `CONVERSATION_NOT_FOUND` when the tenant has no such conversation.
    public func append(_ message: ChatMessage, conversation: String, tenant: String, assignment: Assignment?, usage: Usage = Usage()) async throws {
        let row = MessageRow(tenant: tenant, conversation: conversation, assignment: assignment, message: message, usage: usage)
        try await pool.transaction { connection in try Self.insert([row], on: connection) }
    }

    /// The newest `limit` messages of a conversation, oldest first.
    public func history(conversation: String, tenant: String, limit: Int = 400) async throws -> [ChatMessage] {
        try await pool.withConnection { connection in
            try connection.prepared("""
                SELECT role, content, tool_calls, tool_call_id, tool_error FROM (
                    SELECT * FROM messages WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY id DESC LIMIT $3
                ) newest ORDER BY id
                """, [tenant, conversation, limit]).map(Self.message(from:))
        }
    }

    /// Records a user's 👍 (`up`) or 👎 on a conversation.
    public func recordFeedback(up: Bool, conversation: String, tenant: String, userID: String, assignment: Assignment?) async throws {
        try await pool.withConnection { connection in
            _ = try connection.prepared("""
                INSERT INTO feedback (tenant_id, conversation_id, external_user_id, value, experiment_id, variant)
                SELECT $1, id, $3, $4, $5, $6 FROM conversations WHERE tenant_id = $1 AND id = $2
                """, [tenant, conversation, userID, up ? 1 : -1, assignment?.experiment, assignment?.variant])
        }
    }

    static func requireTenant(_ id: String, _ connection: PostgresConnection) throws {
        guard try !connection.prepared("SELECT 1 FROM tenants WHERE id = $1 FOR SHARE", [id]).isEmpty else {
            throw MarketError(.tenantNotFound, "there is no tenant \(id)", fix: "list tenants with `market tenant list`, or create it with `market tenant create \(id)`")
        }
    }
}

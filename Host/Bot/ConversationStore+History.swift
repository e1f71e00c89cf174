import MarketCore
import MarketStore
import Synchronization

/// The history a reply sends to the model: from memory (`HistoryCache`), extended with what was
/// stored since; read from the store, as far back as the context budget reaches, on a miss.
extension ConversationStore {
    /// The newest whole turns of a conversation that fit `budget` characters (the newest turn
    /// always), oldest first: what a model call needs before the system prompt is trimmed in.
    ///
    /// Correct across replicas without invalidation: each call reads the messages stored after
    /// the newest one cached (one index range, normally the previous reply's few rows), so a
    /// turn another replica or process wrote is appended like this replica's own.
    public func recentHistory(conversation: String, tenant: String, budget: Int) async throws -> [ChatMessage] {
        let trim = ContextBudget(characters: budget)
        if let cached = recent.entry(conversation: conversation, tenant: tenant), cached.budget >= budget {
            let (newer, lastID) = try await messages(after: cached.lastID, conversation: conversation, tenant: tenant)
            guard !newer.isEmpty else { return cached.messages }
            let kept = ContextBudget(characters: cached.budget).trim(cached.messages + newer, system: "")
            recent.store(.init(messages: kept, lastID: lastID, budget: cached.budget), conversation: conversation, tenant: tenant)
            return kept
        }
        let (read, lastID) = try await newest(within: budget, conversation: conversation, tenant: tenant)
        let kept = trim.trim(read, system: "")
        recent.store(.init(messages: kept, lastID: lastID, budget: budget), conversation: conversation, tenant: tenant)
        return kept
    }

    /// Rows the history reads have returned since the store was made (for tests and benchmarks).
    public var historyRowsRead: Int { rowsRead.load(ordering: .relaxed) }

    /// Conversations whose history is in memory now, and what it costs (characters and overhead).
    public var historyCacheUsage: (conversations: Int, size: Int) { recent.usage }

    /// The messages stored after `id`, oldest first, and the newest id among them (`id` when none).
    private func messages(after id: Int64, conversation: String, tenant: String) async throws -> ([ChatMessage], Int64) {
        let rows = try await pool.withConnection { connection in
            try connection.prepared("""
                SELECT id, role, content, tool_calls, tool_call_id, tool_error FROM messages
                WHERE tenant_id = $1 AND conversation_id = $2 AND id > $3 ORDER BY id
                """, [tenant, conversation, id]).map { (try $0.decode("id", as: Int64.self), try Self.message(from: $0)) }
        }
        rowsRead.add(rows.count, ordering: .relaxed)
        return (rows.map(\.1), rows.last?.0 ?? id)
    }

    /// The newest messages, oldest first, reaching back past `budget` characters to the start of
    /// a turn (or to the first message), and the newest id (0 for none). Read in pages that
    /// double, so a short conversation costs one small read and a long one about its budget.
    private func newest(within budget: Int, conversation: String, tenant: String) async throws -> ([ChatMessage], Int64) {
        let pages = try await pool.withConnection { connection -> [[(Int64, ChatMessage)]] in
            var pages: [[(Int64, ChatMessage)]] = []
            var before = Int64.max, limit = 32, used = 0
            while true {
                let page = try connection.prepared("""
                    SELECT id, role, content, tool_calls, tool_call_id, tool_error FROM messages
                    WHERE tenant_id = $1 AND conversation_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4
                    """, [tenant, conversation, before, limit]).map { (try $0.decode("id", as: Int64.self), try Self.message(from: $0)) }
                pages.append(page)
                guard page.count == limit, let oldest = page.last else { break }
                used += page.reduce(0) { $0 + $1.1.size }
                if used > budget && oldest.1.role == .user { break }
                before = oldest.0
                limit = min(limit * 2, 1024)
            }
            return pages
        }
        let rows = pages.flatMap { $0 }
        rowsRead.add(rows.count, ordering: .relaxed)
        return (rows.reversed().map(\.1), rows.first?.0 ?? 0)
    }

    /// A message as a `messages` row holds it.
    static func message(from row: Row) throws -> ChatMessage {
        let calls: JSONValue? = try row.decode("tool_calls")
        let toolCalls: [ToolCall] = if case .array(let entries)? = calls { entries.compactMap(ToolCall.init(json:)) } else { [] }
        return ChatMessage(role: ChatMessage.Role(rawValue: try row.decode("role")) ?? .user, content: try row.decode("content"),
                           toolCalls: toolCalls, toolCallID: try row.decode("tool_call_id"), toolError: try row.decode("tool_error"))
    }
}

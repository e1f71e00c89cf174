import MarketCore
import MarketStore

/// The statements that write many conversations and messages at once.
extension ConversationStore {
    /// A conversation by tenant and address.
    struct ConversationKey: Sendable, Hashable {
        let tenant: String
        let address: ChatAddress
    }

    /// A conversation to look up, or to make stamped with `assignment`.
    struct ConversationRequest: Sendable {
        let key: ConversationKey
        let assignment: Assignment?
    }

    /// A row of the `messages` table.
    public struct MessageRow: Sendable {
        let tenant: String
        let conversation: String
        let assignment: Assignment?
        let message: ChatMessage
        let usage: Usage
    }

    /// Looks up or makes the conversations of `requests` in one statement. Of several requests
    /// for one chat, the first makes it (and is told `created`); the others find it.
    static func resolve(_ requests: [ConversationRequest], on connection: PostgresConnection) throws -> [(id: String, created: Bool)] {
        var firsts: [ConversationKey: ConversationRequest] = [:]
        var order: [ConversationKey] = []
        for request in requests where firsts[request.key] == nil {
            firsts[request.key] = request
            order.append(request.key)
        }
        let rows: [JSONValue] = order.map { key in
            let assignment = firsts[key]?.assignment
            return .object([
                "id": .string("cnv_" + EventEnvelope.newID().dropFirst(4)), "tenant_id": .string(key.tenant), "channel": .string(key.address.channel),
                "external_chat_id": .string(key.address.chatID), "external_user_id": .string(key.address.userID),
                "experiment_id": assignment.map { .string($0.experiment) } ?? .null, "variant": assignment.map { .string($0.variant) } ?? .null,
            ])
        }
        // `xmax = 0` holds for a row this statement inserted.
        let result = try connection.prepared("""
            INSERT INTO conversations (id, tenant_id, channel, external_chat_id, external_user_id, experiment_id, variant)
            SELECT c.id, c.tenant_id, c.channel, c.external_chat_id, c.external_user_id, c.experiment_id, c.variant
            FROM jsonb_to_recordset($1::jsonb) AS c(id text, tenant_id text, channel text, external_chat_id text, external_user_id text,
                                                   experiment_id text, variant text)
            ON CONFLICT (tenant_id, channel, external_chat_id) DO UPDATE SET updated_at = now()
            RETURNING id, tenant_id, channel, external_chat_id, (xmax = 0) AS created
            """, [JSONValue.array(rows).jsonText])
        var found: [String: (id: String, created: Bool)] = [:]
        for row in result {
            let key = [try row.decode("tenant_id", as: String.self), try row.decode("channel", as: String.self),
                       try row.decode("external_chat_id", as: String.self)].joined(separator: "\u{1F}")
            found[key] = (try row.decode("id"), try row.decode("created"))
        }
        var told = Set<ConversationKey>()
        return try requests.map { request in
            let key = [request.key.tenant, request.key.address.channel, request.key.address.chatID].joined(separator: "\u{1F}")
            guard let conversation = found[key] else {
                throw MarketError(.conversationNotFound, "the conversation of chat \(request.key.address.chatID) was neither found nor made",
                                  fix: "retry the message")
            }
            let first = told.insert(request.key).inserted
            return (conversation.id, conversation.created && first)
        }
    }

    /// Inserts messages in array order, each only into a conversation of its own tenant. Text
    /// holding U+0000 fails with `TEXT_UNSTORABLE`, as it does as a parameter.
    /// - Throws: `CONVERSATION_NOT_FOUND` when a conversation is not the tenant's (nothing is
    ///   written then: the caller's transaction fails).
    static func insert(_ rows: [MessageRow], on connection: PostgresConnection) throws {
        guard !rows.isEmpty else { return }
        let json: [JSONValue] = rows.map { row in
            let message = row.message, usage = row.usage
            func number(_ value: Int?) -> JSONValue { value.map { .integer(Int64($0)) } ?? .null }
            return .object([
                "tenant_id": .string(row.tenant), "conversation_id": .string(row.conversation), "role": .string(message.role.rawValue),
                "content": .string(message.content),
                "tool_calls": message.toolCalls.isEmpty ? .null : .array(message.toolCalls.map(\.json)),
                "tool_call_id": message.toolCallID.map(JSONValue.string) ?? .null, "tool_error": .bool(message.toolError),
                "prompt_tokens": number(usage.promptTokens), "completion_tokens": number(usage.completionTokens),
                "latency_ms": number(usage.latencyMilliseconds),
                "experiment_id": row.assignment.map { .string($0.experiment) } ?? .null, "variant": row.assignment.map { .string($0.variant) } ?? .null,
            ])
        }
        let inserted = try connection.prepared("""
            INSERT INTO messages (tenant_id, conversation_id, role, content, tool_calls, tool_call_id, tool_error,
                                  prompt_tokens, completion_tokens, latency_ms, experiment_id, variant)
            SELECT c.tenant_id, c.id, m.value->>'role', m.value->>'content', NULLIF(m.value->'tool_calls', 'null'::jsonb),
                   m.value->>'tool_call_id', (m.value->>'tool_error')::boolean, (m.value->>'prompt_tokens')::integer,
                   (m.value->>'completion_tokens')::integer, (m.value->>'latency_ms')::integer, m.value->>'experiment_id', m.value->>'variant'
            FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS m(value, position)
            -- A lookup per message (LATERAL, kept apart by OFFSET 0), never a scan of conversations per message.
            CROSS JOIN LATERAL (
                SELECT c.tenant_id, c.id FROM conversations c
                WHERE c.id = m.value->>'conversation_id' AND c.tenant_id = m.value->>'tenant_id' OFFSET 0
            ) c
            ORDER BY m.position
            """, [JSONValue.array(json).jsonText])
        guard inserted.affectedRows == rows.count else {
            let row = rows[0]
            throw MarketError(.conversationNotFound, "tenant \(row.tenant) has no conversation \(row.conversation)", fix: "start a conversation first")
        }
    }

    /// Touches `updated_at` of conversations that got messages.
    static func touch(_ conversations: Set<String>, on connection: PostgresConnection) throws {
        guard !conversations.isEmpty else { return }
        _ = try connection.prepared("UPDATE conversations SET updated_at = now() WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))",
                                    [JSONValue.array(conversations.sorted().map(JSONValue.string)).jsonText])
    }
}

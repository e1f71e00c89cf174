import MarketCore
import MarketStore

/// The durable inbox of updates: stored once per (bot, update_id) before Telegram is answered,
/// claimed oldest first per chat, and marked done or retried.
public struct TelegramInbox: Sendable {
    /// An update claimed for processing.
    public struct Item: Sendable {
        public let botID: String
        public let tenantID: String
        public let updateID: Int64
        public let chatID: Int64
        /// The update's JSON.
        public let payload: String
        /// Claims so far, this one included.
        public let attempts: Int
    }

    let pool: DatabasePool
    /// New updates from concurrent webhook deliveries, stored in one transaction.
    private let storing: GroupCommit<Arrival, Bool>
    /// Processed updates, marked done together.
    private let completing: GroupCommit<Key, Void>

    /// An update to store, with its chat.
    struct Arrival: Sendable {
        let bot: String
        let update: RawUpdate
        let chat: Int64
    }

    /// Which update of which bot.
    struct Key: Sendable, Hashable {
        let bot: String
        let updateID: Int64
    }

    public init(pool: DatabasePool) {
        self.pool = pool
        storing = GroupCommit(pool: pool) { arrivals, connection in try Self.store(arrivals, on: connection) }
        completing = GroupCommit(pool: pool) { keys, connection in
            _ = try connection.prepared(Self.completeStatement, [Self.json(keys.map { ["bot_id": .string($0.bot), "update_id": .number(Double($0.updateID))] })])
            return keys.map { _ in () }
        }
    }

    /// Stores an update; false when the bot had it already (Telegram delivers again when an
    /// answer is lost). Returns once the update is committed, with others arriving meanwhile.
    /// - Throws: `TELEGRAM_UPDATE_INVALID` when the JSON is not an update.
    @discardableResult
    public func store(_ update: RawUpdate, bot: String) async throws -> Bool {
        try await storing.submit(Arrival(bot: bot, update: update, chat: try Self.chat(of: update)))
    }

    static func chat(of update: RawUpdate) throws -> Int64 {
        do {
            return try update.decoded().chatID ?? 0
        } catch {
            throw MarketError(.telegramUpdateInvalid, "update \(update.updateID) is not a Telegram update",
                              fix: "send Update objects as the Bot API defines them", underlying: error)
        }
    }

    /// Stores updates in one statement; true for each that was new. Of two arrivals of the
    /// same update in one batch, the first is the new one.
    static func store(_ arrivals: [Arrival], on connection: PostgresConnection) throws -> [Bool] {
        // The payload goes in as JSON within the array: RawUpdate has checked that it parses.
        let rows = arrivals.map { arrival in
            #"{"bot_id":\#(JSONValue.string(arrival.bot).jsonText),"update_id":\#(arrival.update.updateID),"chat_id":\#(arrival.chat),"payload":\#(arrival.update.json)}"#
        }
        let inserted = try connection.prepared("""
            INSERT INTO telegram_inbox (bot_id, update_id, chat_id, payload)
            SELECT u.bot_id, u.update_id, u.chat_id, u.payload
            FROM jsonb_to_recordset($1::jsonb) AS u(bot_id text, update_id bigint, chat_id bigint, payload jsonb)
            ON CONFLICT (bot_id, update_id) DO NOTHING
            RETURNING bot_id, update_id
            """, ["[" + rows.joined(separator: ",") + "]"])
        var new = Set<Key>()
        for row in inserted { new.insert(Key(bot: try row.decode("bot_id"), updateID: try row.decode("update_id"))) }
        return arrivals.map { new.remove(Key(bot: $0.bot, updateID: $0.update.updateID)) != nil }
    }

    static func json(_ rows: [[String: JSONValue]]) -> String {
        JSONValue.array(rows.map(JSONValue.object)).jsonText
    }

    /// Claims up to `limit` updates for `lease`: the oldest pending update of each chat whose
    /// chat has no update claimed already and whose retry is due. A claim that lapses is
    /// taken again by the next caller, so a processor that dies loses nothing.
    public func claim(limit: Int, lease: Duration) async throws -> [Item] {
        let seconds = Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18
        return try await pool.withConnection { connection in
            try connection.prepared("""
                UPDATE telegram_inbox i SET locked_until = now() + make_interval(secs => $2), attempts = i.attempts + 1
                FROM (
                    SELECT h.bot_id, h.update_id FROM (
                        SELECT DISTINCT ON (bot_id, chat_id) bot_id, update_id, locked_until, next_attempt_at
                        FROM telegram_inbox WHERE status = 'pending' ORDER BY bot_id, chat_id, update_id
                    ) h
                    WHERE (h.locked_until IS NULL OR h.locked_until < now()) AND h.next_attempt_at <= now()
                    ORDER BY h.update_id LIMIT $1
                ) c
                WHERE i.bot_id = c.bot_id AND i.update_id = c.update_id AND i.status = 'pending'
                  AND (i.locked_until IS NULL OR i.locked_until < now())
                RETURNING i.bot_id, i.update_id, i.chat_id, i.payload::text AS payload, i.attempts,
                          (SELECT tenant_id FROM telegram_bots b WHERE b.id = i.bot_id) AS tenant_id
                """, [limit, seconds]).map { row in
                Item(botID: try row.decode("bot_id"), tenantID: try row.decode("tenant_id"), updateID: try row.decode("update_id"),
                     chatID: try row.decode("chat_id"), payload: try row.decode("payload"), attempts: try row.decode("attempts"))
            }
        }
    }

    /// Extends a claim that is still held by `lease` from now; false when it lapsed and was
    /// taken, or the update is no longer pending.
    @discardableResult
    public func renew(_ item: Item, lease: Duration) async throws -> Bool {
        let seconds = Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18
        return try await pool.query("""
            UPDATE telegram_inbox SET locked_until = now() + make_interval(secs => $4)
            WHERE bot_id = $1 AND update_id = $2 AND status = 'pending' AND attempts = $3
            """, [item.botID, item.updateID, item.attempts, seconds]).affectedRows == 1
    }

    /// Marks a claimed update processed (in one transaction with others finishing meanwhile).
    public func complete(_ item: Item) async throws {
        try await completing.submit(Key(bot: item.botID, updateID: item.updateID))
    }

    static let completeStatement = """
        UPDATE telegram_inbox i SET status = 'done', processed_at = now(), locked_until = NULL, last_error = NULL
        FROM jsonb_to_recordset($1::jsonb) AS c(bot_id text, update_id bigint)
        WHERE i.bot_id = c.bot_id AND i.update_id = c.update_id AND i.status = 'pending'
        """

    /// Releases a claimed update for another attempt after `retryIn`, or marks it failed
    /// (so its chat moves on) when it has had `maxAttempts`.
    public func fail(_ item: Item, reason: String, retryIn: Duration, maxAttempts: Int) async throws {
        let seconds = Double(retryIn.components.seconds) + Double(retryIn.components.attoseconds) / 1e18
        _ = try await pool.query("""
            UPDATE telegram_inbox SET locked_until = NULL, last_error = $3,
                status = CASE WHEN attempts >= $4 THEN 'failed' ELSE 'pending' END,
                next_attempt_at = now() + make_interval(secs => $5)
            WHERE bot_id = $1 AND update_id = $2 AND status = 'pending'
            """, [item.botID, item.updateID, String(reason.prefix(500)), maxAttempts, seconds])
    }
}

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
        /// The reply computed by an earlier attempt whose send failed: what is left of it is
        /// sent, and the handler is not asked again.
        public let reply: OutgoingReply?

        public var key: Key { Key(bot: botID, updateID: updateID, chat: chatID) }
    }

    let pool: DatabasePool
    /// New updates from concurrent webhook deliveries, stored in one transaction.
    private let storing: GroupCommit<Arrival, Bool>
    /// Processed updates, marked done together, each chat's next update claimed with them.
    private let completing: GroupCommit<Completion, Item?>

    /// An update to store, with its chat.
    struct Arrival: Sendable {
        let bot: String
        let update: RawUpdate
        let chat: Int64

        var key: Key { Key(bot: bot, updateID: update.updateID, chat: chat) }
    }

    /// Which update of which bot, and its chat (which every lookup names, so that it finds
    /// the update in the index of pending updates rather than scanning the bot's).
    public struct Key: Sendable, Hashable {
        public let bot: String
        public let updateID: Int64
        public let chat: Int64

        public init(bot: String, updateID: Int64, chat: Int64) {
            self.bot = bot
            self.updateID = updateID
            self.chat = chat
        }
    }

    /// A processed update, and the lease to claim its chat's next update for.
    struct Completion: Sendable {
        let item: Item
        let leaseSeconds: Double
    }

    public init(pool: DatabasePool) {
        self.pool = pool
        storing = GroupCommit(pool: pool) { arrivals, connection in try Self.store(arrivals, on: connection) }
        completing = GroupCommit(pool: pool) { completions, connection in try Self.complete(completions, on: connection) }
    }

    /// Stores an update; false when the bot had it already (Telegram delivers again when an
    /// answer is lost). Returns once the update is committed, with others arriving meanwhile.
    /// - Throws: `TELEGRAM_UPDATE_INVALID` when the JSON is not an update.
    @discardableResult
    public func store(_ update: RawUpdate, bot: String) async throws -> Bool {
        try await storeNew(update, chat: try Self.chat(of: update), bot: bot) != nil
    }

    /// Stores an update whose chat the caller has read already (`RawUpdate.parse(body:)`); its
    /// key when it is new, nil when the bot had it already.
    public func storeNew(_ update: RawUpdate, chat: Int64, bot: String) async throws -> Key? {
        let arrival = Arrival(bot: bot, update: update, chat: chat)
        return try await storing.submit(arrival) ? arrival.key : nil
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
            RETURNING bot_id, update_id, chat_id
            """, ["[" + rows.joined(separator: ",") + "]"])
        var new = Set<Key>()
        for row in inserted { new.insert(Key(bot: try row.decode("bot_id"), updateID: try row.decode("update_id"), chat: try row.decode("chat_id"))) }
        return arrivals.map { new.remove($0.key) != nil }
    }

    static func json(_ rows: [[String: JSONValue]]) -> String {
        JSONValue.array(rows.map(JSONValue.object)).jsonText
    }

    static func json(_ key: Key) -> [String: JSONValue] {
        ["bot_id": .string(key.bot), "update_id": .integer(key.updateID), "chat_id": .integer(key.chat)]
    }

    /// Claims up to `limit` updates for `lease`, oldest first: pending updates whose retry is
    /// due, not claimed already, with no earlier pending update in their chat. A claim that
    /// lapses is taken again by the next caller, so a processor that dies loses nothing.
    ///
    /// The scan follows the pending updates by arrival (`telegram_inbox_due`) and stops at
    /// `limit`, so it costs what it claims, plus the updates claimed already or waiting behind
    /// an earlier one of their chat, however long the backlog.
    public func claim(limit: Int, lease: Duration) async throws -> [Item] {
        let seconds = lease.inSeconds
        return try await pool.transaction(preferringIndexLookups: true) { connection in
            try connection.prepared("""
                UPDATE telegram_inbox i SET locked_until = now() + make_interval(secs => $2), attempts = i.attempts + 1
                WHERE i.ctid = ANY (ARRAY(
                    SELECT c.ctid FROM telegram_inbox c
                    WHERE c.status = 'pending' AND (c.locked_until IS NULL OR c.locked_until < now()) AND c.next_attempt_at <= now()
                      AND NOT EXISTS (SELECT 1 FROM telegram_inbox p WHERE p.bot_id = c.bot_id AND p.chat_id = c.chat_id
                                      AND p.status = 'pending' AND p.update_id < c.update_id)
                    ORDER BY c.received_at LIMIT $1
                    FOR UPDATE SKIP LOCKED
                ))
                \(Self.returning)
                """, [limit, seconds]).map(Self.item)
        }
    }

    /// Extends a claim that is still held by `lease` from now; false when it lapsed and was
    /// taken, or the update is no longer pending.
    @discardableResult
    public func renew(_ item: Item, lease: Duration) async throws -> Bool {
        let seconds = lease.inSeconds
        return try await pool.query("""
            UPDATE telegram_inbox SET locked_until = now() + make_interval(secs => $4)
            WHERE bot_id = $1 AND chat_id = $5 AND update_id = $2 AND status = 'pending' AND attempts = $3
            """, [item.botID, item.updateID, item.attempts, seconds, item.chatID]).affectedRows == 1
    }

    /// Marks a claimed update processed and claims its chat's next pending update, if one is
    /// due, for `lease`: the caller goes on with that chat at once. Committed in one
    /// transaction with others finishing meanwhile.
    @discardableResult
    public func complete(_ item: Item, claimingNextFor lease: Duration) async throws -> Item? {
        try await completing.submit(Completion(item: item, leaseSeconds: lease.inSeconds))
    }

    static func complete(_ completions: [Completion], on connection: PostgresConnection) throws -> [Item?] {
        let keys = completions.map(\.item.key).map(json)
        _ = try connection.prepared("""
            UPDATE telegram_inbox i SET status = 'done', processed_at = now(), locked_until = NULL, last_error = NULL, reply = NULL
            WHERE i.ctid = ANY (ARRAY(\(lookup("FOR UPDATE"))))
            """, [json(keys)])
        // One lease for the batch: the longest asked for.
        let lease = completions.map(\.leaseSeconds).max() ?? 0
        let chats = completions.map { ["bot_id": JSONValue.string($0.item.botID), "chat_id": .integer($0.item.chatID)] }
        let next = try connection.prepared("""
            UPDATE telegram_inbox i SET locked_until = now() + make_interval(secs => $2), attempts = i.attempts + 1
            WHERE i.ctid = ANY (ARRAY(
                -- Each chat's oldest pending update, if it is free and due.
                SELECT n.row FROM jsonb_to_recordset($1::jsonb) AS c(bot_id text, chat_id bigint)
                CROSS JOIN LATERAL (
                    SELECT f.ctid AS row FROM (
                        SELECT n.ctid, n.locked_until, n.next_attempt_at FROM telegram_inbox n
                        WHERE n.bot_id = c.bot_id AND n.chat_id = c.chat_id AND n.status = 'pending' ORDER BY n.update_id LIMIT 1
                    ) f
                    WHERE (f.locked_until IS NULL OR f.locked_until < now()) AND f.next_attempt_at <= now()
                ) n
            )) AND i.status = 'pending' AND (i.locked_until IS NULL OR i.locked_until < now())
            \(returning)
            """, [json(chats), lease]).map(item)
        var byChat: [String: Item] = [:]
        for item in next { byChat["\(item.botID)/\(item.chatID)"] = item }
        return completions.map { byChat["\($0.item.botID)/\($0.item.chatID)"] }
    }

    /// Claims the given updates for `lease`, those that are their chat's oldest pending update
    /// and not claimed already (the others wait for their chat's turn, or for another claimer).
    public func claim(_ keys: [Key], lease: Duration) async throws -> [Item] {
        guard !keys.isEmpty else { return [] }
        let rows = keys.map(Self.json)
        return try await pool.transaction(preferringIndexLookups: true) { connection in
            try connection.prepared("""
                UPDATE telegram_inbox i SET locked_until = now() + make_interval(secs => $2), attempts = i.attempts + 1
                WHERE i.ctid = ANY (ARRAY(\(Self.lookup("""
                    AND (t.locked_until IS NULL OR t.locked_until < now()) AND t.next_attempt_at <= now()
                    AND NOT EXISTS (SELECT 1 FROM telegram_inbox p WHERE p.bot_id = t.bot_id AND p.chat_id = t.chat_id
                                    AND p.status = 'pending' AND p.update_id < t.update_id)
                    FOR UPDATE SKIP LOCKED
                    """))))
                \(Self.returning)
                """, [Self.json(rows), lease.inSeconds]).map(Self.item)
        }
    }

    /// The rows of the pending updates whose keys are in $1 (a JSON array of `Key`s) and that
    /// pass `conditions` (on `t`), one index lookup per key. The statements that change them
    /// take the rows by address (`ctid = ANY (ARRAY(…))`, a TID scan whatever the statistics
    /// say): planned as joins, the planner, misled by statistics that lag far behind a table
    /// whose pending rows come and go by the thousand, scans all pending updates for every key.
    static func lookup(_ conditions: String) -> String {
        """
        SELECT t.row FROM jsonb_to_recordset($1::jsonb) AS k(bot_id text, update_id bigint, chat_id bigint)
        CROSS JOIN LATERAL (
            SELECT t.ctid AS row FROM telegram_inbox t
            WHERE t.bot_id = k.bot_id AND t.chat_id = k.chat_id AND t.update_id = k.update_id AND t.status = 'pending'
            \(conditions)
            OFFSET 0
        ) t
        OFFSET 0
        """
    }

    /// What a claim returns of each update it took.
    static let returning = """
        RETURNING i.bot_id, i.update_id, i.chat_id, i.payload::text AS payload, i.attempts, i.reply::text AS reply,
                  (SELECT tenant_id FROM telegram_bots b WHERE b.id = i.bot_id) AS tenant_id
        """

    static func item(_ row: Row) throws -> Item {
        Item(botID: try row.decode("bot_id"), tenantID: try row.decode("tenant_id"), updateID: try row.decode("update_id"),
             chatID: try row.decode("chat_id"), payload: try row.decode("payload"), attempts: try row.decode("attempts"),
             reply: try row.decode("reply", as: String?.self).map(OutgoingReply.init(jsonText:)))
    }

    /// Hands a claimed update back: unclaimed, and its claim not counted as an attempt; with
    /// `reply`, the reply computed for it and not wholly sent, which the next claim sends.
    public func release(_ item: Item, reply: OutgoingReply? = nil) async throws {
        _ = try await pool.query("""
            UPDATE telegram_inbox SET locked_until = NULL, attempts = attempts - 1, reply = coalesce($5::jsonb, reply)
            WHERE bot_id = $1 AND chat_id = $4 AND update_id = $2 AND status = 'pending' AND attempts = $3
            """, [item.botID, item.updateID, item.attempts, item.chatID, reply?.jsonText])
    }

    /// Releases a claimed update for another attempt after `retryIn`, or marks it failed
    /// (so its chat moves on) when it has had `maxAttempts`. With `reply`, keeps the reply
    /// computed for it and not wholly sent: the retry sends the rest of it.
    public func fail(_ item: Item, reason: String, retryIn: Duration, maxAttempts: Int, reply: OutgoingReply? = nil) async throws {
        let seconds = retryIn.inSeconds
        _ = try await pool.query("""
            UPDATE telegram_inbox SET locked_until = NULL, last_error = $3, reply = coalesce($7::jsonb, reply),
                status = CASE WHEN attempts >= $4 THEN 'failed' ELSE 'pending' END,
                next_attempt_at = now() + make_interval(secs => $5)
            WHERE bot_id = $1 AND chat_id = $6 AND update_id = $2 AND status = 'pending'
            """, [item.botID, item.updateID, String(reason.prefix(500)), maxAttempts, seconds, item.chatID, reply?.jsonText])
    }
}

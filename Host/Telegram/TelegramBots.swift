import Logging
import MarketCore
import MarketStore

/// The registered bots: connecting one to a tenant, looking them up, and opening their
/// credentials, which the store's `SecretBox` seals. Work runs on the pool's threads.
public final class TelegramBots: Sendable {
    let pool: DatabasePool
    let box: SecretBox
    let logger: Logger

    public init(pool: DatabasePool, box: SecretBox, logger: Logger) {
        self.pool = pool
        self.box = box
        self.logger = logger
    }

    /// Registers a bot for `tenant`, or updates the one registered with the same Telegram id
    /// (its token, username, mode and base URL; its id and webhook secret stay).
    /// - Returns: the bot and whether it was new.
    /// - Throws: `TENANT_NOT_FOUND`, or a store error.
    public func connect(tenant: String, token: BotToken, username: String, mode: TelegramBot.Mode,
                        apiBase: String = BotAPIClient.defaultBase) async throws -> (bot: TelegramBot, created: Bool) {
        let candidate = TelegramBot.newID()
        let secret = TelegramBot.newSecretToken()
        let result: (TelegramBot, Bool) = try await pool.transaction { [box] connection in
            guard try !connection.prepared("SELECT 1 FROM tenants WHERE id = $1 FOR SHARE", [tenant]).isEmpty else {
                throw MarketError(.tenantNotFound, "there is no tenant \(tenant)", fix: "create it with `market tenant create \(tenant)`")
            }
            let existing = try connection.prepared("SELECT id FROM telegram_bots WHERE tenant_id = $1 AND telegram_id = $2 FOR UPDATE",
                                                   [tenant, token.botUserID]).first.map { try $0.decode("id", as: String.self) }
            let id = existing ?? candidate
            let sealedToken = try box.seal(token.value, for: .telegramBot(id, field: "token")).combined
            let sealedSecret = try box.seal(secret, for: .telegramBot(id, field: "secret")).combined
            if existing == nil {
                _ = try connection.prepared("""
                    INSERT INTO telegram_bots (id, tenant_id, telegram_id, username, token_sealed, secret_sealed, key_id, mode, api_base, sealing)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'secret/1')
                    """, [id, tenant, token.botUserID, username, sealedToken, sealedSecret, box.keyID, mode.rawValue, apiBase])
            } else {
                // The webhook secret stays when it can: a row sealed the old way is re-sealed first.
                try LegacyBotSeals.reseal(on: connection, box: box, bot: id)
                _ = try connection.prepared("""
                    UPDATE telegram_bots SET username = $2, token_sealed = $3, key_id = $4, mode = $5, api_base = $6, updated_at = now(),
                        secret_sealed = CASE WHEN key_id = $4 THEN secret_sealed ELSE $7 END, sealing = 'secret/1'
                    WHERE id = $1
                    """, [id, username, sealedToken, box.keyID, mode.rawValue, apiBase, sealedSecret])
            }
            let row = try connection.prepared("SELECT \(Self.columns) FROM telegram_bots WHERE id = $1", [id])
            return (try Self.bot(row[0]), existing == nil)
        }
        logger.info("telegram bot connected", metadata: ["bot": .string(result.0.id), "tenant": .string(tenant), "created": "\(result.1)"])
        return result
    }

    /// The bot with this id, or nil.
    public func bot(_ id: String) async throws -> TelegramBot? {
        guard TelegramBot.isValidID(id) else { return nil }
        return try await pool.withConnection { connection in
            try connection.prepared("SELECT \(Self.columns) FROM telegram_bots WHERE id = $1", [id]).first.map(Self.bot)
        }
    }

    /// Every bot, or a tenant's, ordered by tenant and id.
    public func bots(tenant: String? = nil) async throws -> [TelegramBot] {
        try await pool.withConnection { connection in
            try connection.prepared("SELECT \(Self.columns) FROM telegram_bots WHERE $1::text IS NULL OR tenant_id = $1 ORDER BY tenant_id, id",
                                    [tenant]).map(Self.bot)
        }
    }

    /// The bot with its token and webhook secret opened, or nil when there is no such bot. A bot
    /// sealed before migration 9 is re-sealed by the store's box first.
    /// - Throws: `SECRET_UNREADABLE` when they were sealed under another key or altered.
    public func credentials(_ id: String) async throws -> BotCredentials? {
        guard TelegramBot.isValidID(id) else { return nil }
        guard let row = try await sealedCredentials(id) else { return nil }
        let (bot, sealedToken, sealedSecret, keyID, sealing) = row
        if sealing != "secret/1" {
            try await pool.transaction { [box] connection in _ = try LegacyBotSeals.reseal(on: connection, box: box, bot: id) }
            return try await credentials(id)
        }
        let token = try BotToken(try box.open(SecretBox.Sealed(combined: sealedToken, keyID: keyID), for: .telegramBot(id, field: "token")))
        let secret = try box.open(SecretBox.Sealed(combined: sealedSecret, keyID: keyID), for: .telegramBot(id, field: "secret"))
        return BotCredentials(bot: bot, token: token, secretToken: secret)
    }

    private func sealedCredentials(_ id: String) async throws -> (TelegramBot, [UInt8], [UInt8], String, String)? {
        try await pool.withConnection { connection in
            try connection.prepared("SELECT \(Self.columns), token_sealed, secret_sealed, key_id, sealing FROM telegram_bots WHERE id = $1", [id])
                .first.map { (try Self.bot($0), try $0.decode("token_sealed"), try $0.decode("secret_sealed"), try $0.decode("key_id"),
                              try $0.decode("sealing")) }
        }
    }

    /// Switches how the bot receives updates.
    public func setMode(_ mode: TelegramBot.Mode, bot id: String) async throws {
        let changed = try await pool.query("UPDATE telegram_bots SET mode = $2, updated_at = now() WHERE id = $1", [id, mode.rawValue])
        guard changed.affectedRows == 1 else { throw Self.notFound(id) }
    }

    static func notFound(_ id: String) -> MarketError {
        MarketError(.telegramBotNotFound, "there is no Telegram bot \(id.prefix(40))", fix: "list bots with `market telegram list`, or connect one with `market telegram connect`")
    }

    private static let columns = "id, tenant_id, telegram_id, username, mode, api_base"

    private static func bot(_ row: Row) throws -> TelegramBot {
        let mode: String = try row.decode("mode")
        return TelegramBot(id: try row.decode("id"), tenantID: try row.decode("tenant_id"), telegramID: try row.decode("telegram_id"),
                           username: try row.decode("username"), mode: TelegramBot.Mode(rawValue: mode) ?? .webhook, apiBase: try row.decode("api_base"))
    }
}

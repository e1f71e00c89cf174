import Crypto
import MarketCore

/// Bot tokens and webhook secrets sealed before migration 9 (`sealing = 'telegram/1'`), when
/// the Telegram channel had a box of its own: the same AES-256-GCM under the master key, but
/// with `market.telegram/1 NUL bot NUL field` as the authenticated data. Only opened here, to
/// re-seal them with `SecretBox`; nothing is sealed this way any more.
public enum LegacyBotSeals {
    /// The `sealing` of rows this type converts.
    static let sealing = "telegram/1"

    /// Re-seals under `box` the bots still sealed the old way, locking their rows, inside the
    /// caller's transaction.
    /// - Parameter bot: one bot's id, or nil for every bot.
    /// - Returns: how many bots it re-sealed.
    /// - Throws: `SECRET_UNREADABLE` when a row was sealed under another key or altered.
    @discardableResult
    public static func reseal(on connection: PostgresConnection, box: SecretBox, bot: String? = nil) throws -> Int {
        let rows = try connection.prepared("""
            SELECT id, token_sealed, secret_sealed, key_id FROM telegram_bots
            WHERE sealing = $1 AND ($2::text IS NULL OR id = $2) ORDER BY id FOR UPDATE
            """, [sealing, bot])
        for row in rows {
            let id: String = try row.decode("id")
            let keyID: String = try row.decode("key_id")
            let token = try open(try row.decode("token_sealed"), keyID: keyID, bot: id, field: "token", key: box.key)
            let secret = try open(try row.decode("secret_sealed"), keyID: keyID, bot: id, field: "secret", key: box.key)
            _ = try connection.prepared("""
                UPDATE telegram_bots SET token_sealed = $2, secret_sealed = $3, key_id = $4, sealing = 'secret/1' WHERE id = $1
                """, [id, try box.seal(token, for: .telegramBot(id, field: "token")).combined,
                      try box.seal(secret, for: .telegramBot(id, field: "secret")).combined, box.keyID])
        }
        return rows.count
    }

    static func open(_ combined: [UInt8], keyID: String, bot: String, field: String, key: MasterKey) throws -> String {
        let place = SecretBox.Place.telegramBot(bot, field: field)
        guard keyID == key.id else {
            throw MarketError(.secretUnreadable, "the \(place.description) was sealed under master key \(keyID), not the current key \(key.id)",
                              fix: "start market with the master key it was stored under, or \(place.fix)")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            let plain = try AES.GCM.open(box, using: key.key, authenticating: Array("market.telegram/1\u{0}\(bot)\u{0}\(field)".utf8))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw MarketError(.secretUnreadable, "the stored \(place.description) fails authentication: it was altered or copied from another row",
                              fix: place.fix)
        }
    }
}

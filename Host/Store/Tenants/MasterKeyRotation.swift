import Logging
import MarketCore

/// Re-seals every stored secret — tenants' plugin secrets, their connections' tokens and the
/// Telegram bots' tokens and webhook secrets — from one master key to another, in one transaction: either all of them
/// open under the new key afterwards, or nothing changed.
public struct MasterKeyRotation: Sendable {
    /// How many rows were re-sealed.
    public struct Outcome: Sendable, Equatable {
        /// Rows of `secrets`.
        public let secrets: Int
        /// Rows of `telegram_bots` (token and webhook secret each).
        public let telegramBots: Int
        /// Rows of `connections` (access and refresh token each).
        public let connections: Int
    }

    let old: SecretBox
    let new: SecretBox

    public init(from old: MasterKey, to new: MasterKey) {
        self.old = SecretBox(key: old)
        self.new = SecretBox(key: new)
    }

    /// Runs the rotation on a database the migrations have been applied to. Servers still
    /// holding the old key cannot open what it re-sealed until they restart with the new one.
    /// - Throws: `SECRET_UNREADABLE` when a value does not open under the old key (sealed under
    ///   another, or altered); then nothing changed.
    public func run(using pool: DatabasePool, logger: Logger) async throws -> Outcome {
        let outcome = try await pool.transaction { [old, new] connection in
            try LegacyBotSeals.reseal(on: connection, box: old)
            let secrets = try connection.prepared("""
                SELECT tenant_id, plugin_id, name, ciphertext, nonce, key_id FROM secrets ORDER BY tenant_id, plugin_id, name FOR UPDATE
                """)
            for row in secrets {
                let (tenant, plugin, name): (String, String, String) = (try row.decode("tenant_id"), try row.decode("plugin_id"), try row.decode("name"))
                let place = SecretBox.Place.secret(tenant: tenant, plugin: plugin, name: name)
                let sealed = SecretBox.Sealed(ciphertext: try row.decode("ciphertext"), nonce: try row.decode("nonce"), keyID: try row.decode("key_id"))
                let resealed = try new.seal(try old.open(sealed, for: place), for: place)
                _ = try connection.prepared("""
                    UPDATE secrets SET ciphertext = $4, nonce = $5, key_id = $6 WHERE tenant_id = $1 AND plugin_id = $2 AND name = $3
                    """, [tenant, plugin, name, resealed.ciphertext, resealed.nonce, resealed.keyID])
            }
            let bots = try connection.prepared("SELECT id, token_sealed, secret_sealed, key_id FROM telegram_bots ORDER BY id FOR UPDATE")
            for row in bots {
                let id: String = try row.decode("id")
                let keyID: String = try row.decode("key_id")
                var values: [[UInt8]] = []
                for (column, field) in [("token_sealed", "token"), ("secret_sealed", "secret")] {
                    let place = SecretBox.Place.telegramBot(id, field: field)
                    let opened = try old.open(SecretBox.Sealed(combined: try row.decode(column), keyID: keyID), for: place)
                    values.append(try new.seal(opened, for: place).combined)
                }
                _ = try connection.prepared("UPDATE telegram_bots SET token_sealed = $2, secret_sealed = $3, key_id = $4 WHERE id = $1",
                                            [id, values[0], values[1], new.keyID])
            }
            let connections = try Self.resealConnections(connection, from: old, to: new)
            // Sign-ins in progress last minutes; their verifiers are not worth re-sealing: such
            // a sign-in ends with "start it again".
            _ = try connection.prepared("DELETE FROM oauth_authorizations", [])
            return Outcome(secrets: secrets.count, telegramBots: bots.count, connections: connections)
        }
        logger.notice("re-sealed the stored secrets under a new master key",
                      metadata: ["from": .string(old.keyID), "to": .string(new.keyID),
                                 "secrets": "\(outcome.secrets)", "telegram_bots": "\(outcome.telegramBots)", "connections": "\(outcome.connections)"])
        return outcome
    }

    static func resealConnections(_ connection: PostgresConnection, from old: SecretBox, to new: SecretBox) throws -> Int {
        let rows = try connection.prepared("""
            SELECT tenant_id, plugin_id, access_sealed, refresh_sealed, key_id FROM connections ORDER BY tenant_id, plugin_id FOR UPDATE
            """)
        for row in rows {
            let (tenant, plugin, keyID): (String, String, String) = (try row.decode("tenant_id"), try row.decode("plugin_id"), try row.decode("key_id"))
            func reseal(_ combined: [UInt8]?, field: String) throws -> [UInt8]? {
                guard let combined else { return nil }
                let place = SecretBox.Place.connection(tenant: tenant, plugin: plugin, field: field)
                return try new.seal(try old.open(SecretBox.Sealed(combined: combined, keyID: keyID), for: place), for: place).combined
            }
            // token_version stays: the tokens are the same, only their sealing changed.
            _ = try connection.prepared("""
                UPDATE connections SET access_sealed = $3, refresh_sealed = $4, key_id = $5 WHERE tenant_id = $1 AND plugin_id = $2
                """, [tenant, plugin, try reseal(try row.decode("access_sealed"), field: "access"),
                      try reseal(try row.decode("refresh_sealed"), field: "refresh"), new.keyID])
        }
        return rows.count
    }
}

import ArgumentParser
import Foundation
import Logging
import MarketStore
import TelegramChannel

/// Options shared by the `market telegram` commands: the database as `market db` selects it,
/// and `--json`.
struct TelegramOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions

    @OptionGroup var output: OutputOptions

    /// Opens the database (refusing a schema that is not current) and the secret box on the master key, runs
    /// `body` with the bot registry, and closes the database.
    func withBots<Value>(_ body: (TelegramBots) async throws -> Value) async throws -> Value {
        let logger = Logger(label: "market.telegram")
        return try await database.withCurrentStore(size: 2, logger: logger) { pool, key in
            try await body(TelegramBots(pool: pool, box: SecretBox(key: key), logger: logger))
        }
    }
}

/// What the commands print about a bot with `--json`.
struct BotSummary: Encodable {
    let id: String
    let tenant: String
    let username: String
    let mode: String
    let webhookPath: String
    let apiBase: String
    var webhook: String?

    init(_ bot: TelegramBot, webhook: String? = nil) {
        id = bot.id
        tenant = bot.tenantID
        username = bot.username
        mode = bot.mode.rawValue
        webhookPath = bot.webhookPath
        apiBase = bot.apiBase
        self.webhook = webhook
    }
}

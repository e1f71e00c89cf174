import ArgumentParser
import Foundation
import Logging
import MarketStore
import TelegramChannel

/// Options shared by the `market telegram` commands: the database as `market db` selects it,
/// and `--json`.
struct TelegramOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    /// Opens the database (applying migrations) and the secret box on the master key, runs
    /// `body` with the bot registry, and closes the database.
    func withBots<Value>(_ body: (TelegramBots) async throws -> Value) async throws -> Value {
        let logger = Logger(label: "market.telegram")
        let pool = DatabasePool(connectionString: database.location().connectionString, configuration: .init(size: 2), logger: logger)
        do {
            try await Migrator().apply(using: pool, logger: logger)
            let box = SecretBox(key: try MasterKey.load(stateDirectory: database.stateDirectory, logger: logger))
            let value = try await body(TelegramBots(pool: pool, box: box, logger: logger))
            await pool.shutdown()
            return value
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    /// Prints `value` as indented JSON with sorted snake_case keys.
    func printJSON(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
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

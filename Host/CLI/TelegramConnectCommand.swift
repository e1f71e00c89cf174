import ArgumentParser
import Foundation
import Logging
import MarketStore
import TelegramChannel

/// `market telegram connect --tenant T [--mode webhook|polling] [--webhook-base URL] [--api-base URL]`
struct TelegramConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Register a Telegram bot for a tenant; the token comes from $TELEGRAM_BOT_TOKEN or standard input.",
        discussion: """
            The token is checked with getMe, then stored sealed. With --webhook-base the webhook is reconciled at once \
            (as `market telegram set-webhook` does); with --mode polling any webhook is removed so getUpdates works. \
            Connecting the same bot again updates its token and keeps its id and webhook secret. \
            Example: printf %s "$TOKEN" | market telegram connect --tenant acme --webhook-base https://bots.example.com
            """
    )

    @Option(help: "The tenant the bot answers for.")
    var tenant: String

    @Option(help: "How the bot receives updates: webhook or polling.")
    var mode: String = "webhook"

    @Option(help: "The server's public HTTPS base URL; the webhook is <base>/telegram/<bot id>.")
    var webhookBase: String?

    @Option(help: "The Bot API base URL (a self-hosted Bot API server, or a test fake).")
    var apiBase: String = BotAPIClient.defaultBase

    @OptionGroup var options: TelegramOptions

    func validate() throws {
        guard TelegramBot.Mode(rawValue: mode) != nil else { throw ValidationError("--mode must be webhook or polling, not '\(mode)'") }
        if mode == "polling", webhookBase != nil { throw ValidationError("--webhook-base is for --mode webhook only") }
        for (name, url) in [("--api-base", apiBase), ("--webhook-base", webhookBase ?? "https://x")]
        where !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
            throw ValidationError("\(name) must be an http:// or https:// URL")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let environment = ProcessInfo.processInfo.environment
            let text = environment["TELEGRAM_BOT_TOKEN"].flatMap { $0.isEmpty ? nil : $0 } ?? SecretSetCommand.readValue(name: "the bot token")
            let token = try BotToken(text)
            let client = BotAPIClient(token: token, base: apiBase)
            let me = try await Self.checked { try await client.getMe() }
            let chosen = TelegramBot.Mode(rawValue: mode) ?? .webhook
            let (bot, created, webhook) = try await options.withBots { bots in
                let (bot, created) = try await bots.connect(tenant: tenant, token: token, username: me.username ?? "", mode: chosen, apiBase: apiBase)
                var webhook: String?
                if chosen == .polling {
                    try await Self.checked { try await client.deleteWebhook() }
                } else if let webhookBase, let credentials = try await bots.credentials(bot.id) {
                    let reconciler = WebhookReconciler(credentials: credentials, logger: Logger(label: "market.telegram"))
                    _ = try await Self.checked { try await reconciler.reconcile(publicBase: webhookBase) }
                    webhook = reconciler.webhookURL(publicBase: webhookBase)
                }
                return (bot, created, webhook)
            }
            if options.output.json {
                try options.output.printJSON(encoding: BotSummary(bot, webhook: webhook))
                return
            }
            print("\(created ? "connected" : "updated") @\(bot.username) for tenant \(bot.tenantID) as \(bot.id) (\(bot.mode.rawValue))")
            if let webhook {
                print("webhook: \(webhook)")
            } else if bot.mode == .webhook {
                print("next: market telegram set-webhook \(bot.id) --url https://<your server>  (the webhook path is \(bot.webhookPath))")
            }
        }
    }

    /// Runs a Bot API call, reporting Telegram's refusal as a `MarketError`.
    static func checked<Value>(_ call: () async throws -> Value) async throws -> Value {
        do {
            return try await call()
        } catch let error as BotAPIError {
            throw error.marketError
        }
    }
}

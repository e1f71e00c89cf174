import ArgumentParser
import Logging
import MarketCore
import TelegramChannel

/// `market telegram set-webhook BOT --url BASE [--force]`
struct TelegramSetWebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-webhook",
        abstract: "Point Telegram at this server's webhook for a bot, if it is not already.",
        discussion: """
            Reads getWebhookInfo and calls setWebhook (with the bot's secret token) only when the URL or the update \
            kinds differ, or with --force. The bot is switched to webhook mode. \
            Example: market telegram set-webhook tgb_… --url https://bots.example.com
            """
    )

    @Argument(help: "The bot's id (tgb_…), as `market telegram list` shows it.")
    var bot: String

    @Option(help: "The server's public base URL; the webhook is <url>/telegram/<bot id>.")
    var url: String

    @Flag(help: "Call setWebhook even when Telegram's webhook looks right.")
    var force = false

    @OptionGroup var options: TelegramOptions

    func validate() throws {
        guard TelegramBot.isValidID(bot) else { throw ValidationError("'\(bot.prefix(40))' is not a bot id (tgb_ and 32 hex digits)") }
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else { throw ValidationError("--url must be an http:// or https:// URL") }
    }

    func run() async throws {
        try await reportingErrors {
            let (summary, outcome) = try await options.withBots { bots in
                guard let credentials = try await bots.credentials(bot) else {
                    throw MarketError(.telegramBotNotFound, "there is no Telegram bot \(bot)", fix: "list bots with `market telegram list`")
                }
                let reconciler = WebhookReconciler(credentials: credentials, logger: Logger(label: "market.telegram"))
                let outcome = try await TelegramConnectCommand.checked { try await reconciler.reconcile(publicBase: url, force: force) }
                try await bots.setMode(.webhook, bot: bot)
                return (BotSummary(credentials.bot, webhook: reconciler.webhookURL(publicBase: url)), outcome)
            }
            if options.output.json {
                try options.output.printJSON(encoding: summary)
            } else {
                print(outcome == .set ? "set the webhook of \(bot) to \(summary.webhook ?? "")" : "the webhook of \(bot) is already \(summary.webhook ?? "")")
            }
        }
    }
}

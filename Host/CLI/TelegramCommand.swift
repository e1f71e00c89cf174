import ArgumentParser

/// `market telegram …`: a tenant's Telegram bots.
struct TelegramCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telegram",
        abstract: "Connect Telegram bots to tenants and set their webhooks.",
        discussion: """
            A bot receives updates by webhook (Telegram POSTs them to /telegram/<bot id> on the server, with a secret \
            header) or by long polling (one replica calls getUpdates). Its token is stored sealed under the master key \
            and never printed. See docs/telegram.md.
            """,
        subcommands: [TelegramConnectCommand.self, TelegramSetWebhookCommand.self, TelegramListCommand.self]
    )
}

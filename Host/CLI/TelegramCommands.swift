import ArgumentParser

/// The Telegram commands (`market telegram …`), listed by `MarketCommand`.
let telegramCommands: [any ParsableCommand.Type] = [TelegramCommand.self]

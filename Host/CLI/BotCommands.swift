import ArgumentParser

/// The bot's commands (`market chat`, `market bot`, `market experiments`, `market analytics`), listed by `MarketCommand`.
let botCommands: [any ParsableCommand.Type] = [ChatCommand.self, BotCommand.self, ExperimentsCommand.self, AnalyticsCommand.self]

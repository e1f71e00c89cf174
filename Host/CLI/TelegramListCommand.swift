import ArgumentParser
import TelegramChannel

/// `market telegram list [--tenant T]`
struct TelegramListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the connected bots (never their tokens).")

    @Option(help: "Only this tenant's bots.")
    var tenant: String?

    @OptionGroup var options: TelegramOptions

    func run() async throws {
        try await reportingErrors {
            let bots = try await options.withBots { bots in try await bots.bots(tenant: tenant) }
            if options.output.json {
                try options.output.printJSON(encoding: bots.map { BotSummary($0) })
                return
            }
            if bots.isEmpty { print("no bots; connect one with `market telegram connect --tenant <id>`") }
            for bot in bots { print("\(bot.id)  \(bot.tenantID)  @\(bot.username)  \(bot.mode.rawValue)") }
        }
    }
}

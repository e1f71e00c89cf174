import ArgumentParser
import TelegramChannel

/// `market serve`'s pacing of Bot API calls (docs/telegram.md, "Pacing"). The defaults keep
/// within the limits Telegram's Bot FAQ documents (about one message a second per chat, 20 a
/// minute per group, about 30 a second per bot); raise them for a bot whose limits Telegram
/// raised, or against a Bot API that is not Telegram's (a benchmark's).
struct TelegramPacingOptions: ParsableArguments {
    @Option(help: "Milliseconds between two messages to one private chat, from the previous one's answer (Telegram: about one a second).")
    var telegramChatInterval: Int = 1050

    @Option(help: "Milliseconds between two messages to one group, from the previous one's answer (Telegram: 20 a minute).")
    var telegramGroupInterval: Int = 3100

    @Option(help: "Bot API calls one bot makes in any second, at most, their starts spaced evenly (Telegram: about 30).")
    var telegramBotRate: Int = 30

    @Option(help: "Milliseconds a reply may take before \"typing…\" or a draft shows it in progress; a reply ready sooner is sent at once, whole.")
    var telegramProgressDelay: Int = 400

    func validate() throws {
        for (name, value) in [("--telegram-chat-interval", telegramChatInterval), ("--telegram-group-interval", telegramGroupInterval),
                              ("--telegram-progress-delay", telegramProgressDelay)] {
            guard (0...600_000).contains(value) else { throw ValidationError("\(name) must be 0 to 600000 milliseconds") }
        }
        guard (1...100_000).contains(telegramBotRate) else {
            throw ValidationError("--telegram-bot-rate must be 1 to 100000 calls a second (Telegram allows about 30)")
        }
    }

    /// `configuration` with these limits.
    func apply(to configuration: inout InboxProcessor.Configuration) {
        configuration.perChatInterval = .milliseconds(telegramChatInterval)
        configuration.perGroupInterval = .milliseconds(telegramGroupInterval)
        configuration.perBotPerSecond = telegramBotRate
        // A 2% margin over 1/rate: 34 ms at Telegram's 30, as the processor's default.
        configuration.perBotInterval = (.seconds(1) / telegramBotRate) * 1.02
        configuration.typingDelay = .milliseconds(telegramProgressDelay)
    }
}

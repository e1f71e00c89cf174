import ArgumentParser
@testable import MarketCLI
import TelegramChannel
import Testing

/// `market serve`'s Telegram pacing flags become the inbox processor's limits.
@Suite struct TelegramPacingOptionsTests {
    func configuration(_ arguments: [String]) throws -> InboxProcessor.Configuration {
        var configuration = InboxProcessor.Configuration()
        try TelegramPacingOptions.parse(arguments).apply(to: &configuration)
        return configuration
    }

    @Test func theDefaultsAreTelegramsDocumentedLimits() throws {
        let given = try configuration([])
        let defaults = InboxProcessor.Configuration()
        #expect(given.perChatInterval == defaults.perChatInterval)
        #expect(given.perGroupInterval == defaults.perGroupInterval)
        #expect(given.perBotPerSecond == 30)
        #expect(abs((given.perBotInterval - .milliseconds(34)) / .nanoseconds(1)) < 1000, "\(given.perBotInterval)")
        #expect(given.typingDelay == defaults.typingDelay)
    }

    @Test func raisedLimitsReachTheProcessor() throws {
        let given = try configuration(["--telegram-chat-interval", "0", "--telegram-group-interval", "500",
                                       "--telegram-bot-rate", "1000", "--telegram-progress-delay", "50"])
        #expect(given.perChatInterval == .zero)
        #expect(given.perGroupInterval == .milliseconds(500))
        #expect(given.perBotPerSecond == 1000)
        #expect(given.perBotInterval < .milliseconds(2))
        #expect(given.typingDelay == .milliseconds(50))
    }

    @Test func limitsOutOfRangeAreRefusedWithTheFlagsName() {
        for (arguments, expected) in [(["--telegram-bot-rate", "0"], "--telegram-bot-rate must be 1 to 100000"),
                                      (["--telegram-chat-interval", "700000"], "--telegram-chat-interval must be 0 to 600000 milliseconds")] {
            do {
                _ = try TelegramPacingOptions.parse(arguments)
                Issue.record("\(arguments) was accepted")
            } catch {
                #expect(TelegramPacingOptions.message(for: error).contains(expected), "\(TelegramPacingOptions.message(for: error))")
            }
        }
    }
}

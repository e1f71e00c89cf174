import ArgumentParser

/// `market deliveries …`: the outbox, one row per event and subscriber.
struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries",
        abstract: "List event deliveries and replay them.",
        subcommands: [DeliveriesListCommand.self, DeliveriesReplayCommand.self]
    )
}

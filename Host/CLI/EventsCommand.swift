import ArgumentParser

/// `market events …`: the events the bus has written.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Follow the events published on the bus, or publish one to a tenant.",
        subcommands: [EventsTailCommand.self, EventsPublishCommand.self]
    )
}

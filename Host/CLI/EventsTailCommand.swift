import ArgumentParser
import Foundation
import Logging
import MarketCore
import MarketStore

/// `market events tail [--tenant T] [--type PATTERN] [--count N]`
struct EventsTailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print new events as they are published, one JSON envelope a line.",
        discussion: "Example: market events tail --tenant acme --type 'lead.*'"
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only this tenant's events.")
    var tenant: String?

    @Option(help: "Only events whose type matches: lead.created, lead.* or *.")
    var type: String?

    @Option(help: "Also print the matching events among the last N written before the tail started.")
    var last: Int = 0

    @Option(help: "Exit after printing N events (default: follow until interrupted).")
    var count: Int?

    func validate() throws {
        if let type, EventTypePattern(type) == nil {
            throw ValidationError("'\(type)' is not an event type pattern: use lead.created, lead.* or *")
        }
        guard last >= 0, (count ?? 1) >= 1 else { throw ValidationError("--last must be 0 or more and --count 1 or more") }
    }

    func run() async throws {
        try await reportingErrors {
            let pattern = type.flatMap(EventTypePattern.init)
            try await database.withBus { bus, connectionString in
                // Listening starts before the first read, so nothing written in between is missed.
                let listener = try await NotificationListener.start(connectionString: connectionString, channels: [EventBus.eventsChannel],
                                                                    logger: Logger(label: "market.events"))
                defer { listener.stop() }
                var position = max(0, try await bus.latestSeq() - Int64(last))
                var remaining = count ?? Int.max
                func printNew() async throws {
                    while remaining > 0 {
                        let batch = try await bus.events(after: position, tenantID: tenant, pattern: pattern, limit: 500)
                        for stored in batch.prefix(remaining) { print(stored.envelope.jsonText) }
                        remaining -= min(remaining, batch.count)
                        fflush(nil)  // every stream: a pipe reader sees each event at once
                        guard let newest = batch.last?.seq else { return }
                        position = newest
                    }
                }
                try await printNew()
                guard remaining > 0 else { return }
                for await _ in listener.notifications {
                    try await printNew()
                    if remaining == 0 { break }
                }
            }
        }
    }
}

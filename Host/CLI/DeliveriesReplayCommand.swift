import ArgumentParser
import MarketStore

/// `market deliveries replay EVENT_ID | --dead [--tenant T] [--subscriber P]`
struct DeliveriesReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Deliver an event again to its subscribers, or every dead delivery.",
        discussion: """
            Delivered and dead rows go back to pending with fresh attempts; the running workers \
            deliver them again, with the same event ids. Example: market deliveries replay --dead --tenant acme
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The event to deliver again (evt_…).")
    var eventID: String?

    @Flag(help: "Replay every dead delivery (narrowed by --tenant and --subscriber).")
    var dead = false

    @Option(help: "Only this tenant's deliveries.")
    var tenant: String?

    @Option(help: "Only deliveries to this plugin.")
    var subscriber: String?

    func validate() throws {
        guard (eventID != nil) != dead else { throw ValidationError("give either an event id or --dead") }
    }

    func run() async throws {
        try await reportingErrors {
            let filter = DeliveryFilter(tenantID: tenant, subscriber: subscriber, status: dead ? .dead : nil, eventID: eventID)
            let count = try await database.withBus { bus, _ in try await bus.replay(filter) }
            print(count == 0 ? "nothing to replay" : "replaying \(count) \(count == 1 ? "delivery" : "deliveries")")
        }
    }
}

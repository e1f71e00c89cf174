import ArgumentParser
import MarketCore
import MarketStore

/// `market events publish TYPE [DATA] --tenant T [--id ID] [--conversation C]`
struct EventsPublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish an event to a tenant, as POST /v1/tenants/{tenant}/events does.",
        discussion: """
            The tenant's subscribed plugins receive it through the running workers (market serve). \
            The same id again publishes nothing new. Example: market events publish lead.created '{"name":"Ada"}' --tenant acme
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The event type, dotted lower-case: lead.created.")
    var type: String

    @Argument(help: "The event's data, a JSON object.")
    var data: String = "{}"

    @Option(help: "The tenant that receives the event.")
    var tenant: String

    @Option(help: "The event's id, which makes publishing idempotent (default: a new evt_… id).")
    var id: String?

    @Option(help: "The conversation the event belongs to; deliveries are ordered per conversation.")
    var conversation: String?

    func validate() throws {
        guard case .object? = try? JSONValue(parsing: data) else {
            throw ValidationError("DATA must be a JSON object, e.g. '{\"name\": \"Ada\"}'")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let envelope = try CustomEvent.envelope(type: type, id: id, conversationID: conversation, data: try JSONValue(parsing: data), tenant: tenant)
            let (result, stored) = try await database.withBus { bus, _ in
                (try await bus.publish(envelope), try await bus.event(id: envelope.id, tenantID: tenant)?.envelope)
            }
            if result.events == 1 {
                print("published \(envelope.id) (\(type)) to tenant \(tenant): \(result.deliveries) \(result.deliveries == 1 ? "delivery" : "deliveries")")
                return
            }
            // A repeat is harmless only when it is the same event.
            guard let stored, stored.type == envelope.type, stored.conversationID == envelope.conversationID,
                  (try? JSONValue(parsing: stored.data)) == (try? JSONValue(parsing: envelope.data)) else {
                throw MarketError(.eventIDTaken, "the event id \(envelope.id) is already another event's",
                                  fix: "use a new --id for a new event (or none, and one is made)")
            }
            print("\(envelope.id) was published before; nothing was published again")
        }
    }
}

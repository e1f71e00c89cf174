import ArgumentParser
import MarketCore
import PluginRuntime

/// `market plugin deliver PATH TYPE [DATA]`
struct PluginDeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver",
        abstract: "Deliver one event to a plugin and print whether it acknowledged it.",
        discussion: "Example: market plugin deliver .build/market-plugins/notes lead.created '{\"name\":\"Ada\"}'"
    )

    @OptionGroup var instance: InstanceOptions

    @Argument(help: "The event type, e.g. lead.created.")
    var type: String

    @Argument(help: "The event's data, a JSON object.")
    var data: String = "{}"

    @Option(help: "The conversation the event belongs to.")
    var conversation: String?

    func validate() throws {
        guard EventTypePattern.isValidType(type) else {
            throw ValidationError("'\(type)' is not an event type: use dotted lower-case names such as lead.created")
        }
        guard case .object? = try? JSONValue(parsing: data) else { throw ValidationError("the event data must be a JSON object") }
    }

    func run() async throws {
        try await reportingErrors {
            let event = EventEnvelope(type: type, tenantID: instance.tenant, conversationID: conversation, data: data)
            let outcome = try await instance.withInstance { plugin in
                guard plugin.subscribes(to: type) else {
                    throw MarketError(.capabilityMissing, "\(plugin.pluginID) does not subscribe to \(type) events",
                                      fix: "list a matching pattern in permissions.events.subscribe of its plugin.json")
                }
                return try await plugin.deliver(event, timeout: instance.callTimeout)
            }
            switch outcome {
            case .acknowledged: print("acknowledged \(event.id)")
            case .retryLater(let message): print("retry later: \(message)")
            case .rejected(let message): print("rejected: \(message)")
            }
        }
    }
}

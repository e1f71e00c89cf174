import ArgumentParser
import MarketCore
import MarketStore
import PluginHosting

/// `market webhooks event-types [--tenant T]`
struct WebhookEventTypesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event-types",
        abstract: "List the event types an endpoint can subscribe to: the host's own and every plugin's, with a JSON Schema each (--json)."
    )

    @Option(help: "Only the types of plugins this tenant has enabled (and the host's).")
    var tenant: String?

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let entries = try await options.withWebhooks { context in try await context.catalog.entries(tenant: tenant, by: context.principal) }
            if options.output.json {
                printJSON(JSONValue.object(["event_types": .array(entries.map(\.json))]).jsonText)
            } else {
                for entry in entries { print("\(entry.type)  (\(entry.source))  \(entry.description)") }
            }
        }
    }
}

import ArgumentParser
import MarketCore
import MarketStore
import PluginHosting

/// `market webhooks endpoints remove ID --tenant T`
struct WebhookEndpointRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a webhook endpoint with its deliveries (its waiting messages are not sent) and their attempt log."
    )

    @Argument(help: "The endpoint's id (tgt_…).")
    var id: String

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            try await options.withWebhooks { context in try await context.endpoints.remove(id, tenant: tenant, by: context.principal) }
            if options.output.json {
                printJSON(JSONValue.object(["id": .string(id), "removed": .bool(true)]).jsonText)
            } else {
                print("removed webhook endpoint \(id)")
            }
        }
    }
}

import ArgumentParser
import MarketCore
import MarketStore
import PluginHosting

/// `market webhooks endpoints list --tenant T`
struct WebhookEndpointListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a tenant's webhook endpoints (never their secrets).")

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let endpoints = try await options.withWebhooks { context in try await context.endpoints.list(tenant: tenant, by: context.principal) }
            if options.output.json {
                printJSON(JSONValue.object(["endpoints": .array(endpoints.map(\.json))]).jsonText)
            } else if endpoints.isEmpty {
                print("no webhook endpoints for tenant \(tenant); add one with `market webhooks endpoints add URL --tenant \(tenant)`")
            } else {
                for endpoint in endpoints { print(endpointLine(endpoint)) }
            }
        }
    }
}

import ArgumentParser
import MarketCore
import MarketStore
import PluginHosting

/// `market webhooks endpoints add URL --tenant T …`
struct WebhookEndpointAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a webhook endpoint; prints its signing secret once.",
        discussion: "Example: market webhooks endpoints add https://example.com/hooks --tenant acme --types 'lead.*' --rate 10"
    )

    @Argument(help: "The URL events are posted to.")
    var url: String

    @Option(help: "The tenant.")
    var tenant: String

    @Option(help: "What the endpoint is for.")
    var description: String = ""

    @Option(help: "The event types it receives, comma-separated patterns (lead.*, order.paid); every type by default.")
    var types: String = "*"

    @Option(help: "At most this many messages a second.")
    var rate: Int?

    @Option(help: "A header sent with every message, 'Name: value'; repeatable.")
    var header: [String] = []

    @Flag(help: "Deliver the events of one conversation one at a time, in order.")
    var ordered = false

    @Flag(help: "Sign with ed25519 (v1a) instead of HMAC-SHA256 (v1).")
    var asymmetric = false

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let endpoint = WebhookEndpoints.Endpoint(url: url, description: description, types: parseTypes(types), ratePerSecond: rate,
                                                     headers: try parseHeaders(header), ordered: ordered, asymmetric: asymmetric)
            let (added, secrets) = try await options.withWebhooks { context in
                try await context.endpoints.add(endpoint, tenant: tenant, by: context.principal)
            }
            if options.output.json {
                guard case .object(var fields) = added.json else { return }
                fields["secrets"] = secrets
                printJSON(JSONValue.object(fields).jsonText)
            } else {
                print(endpointLine(added))
                print("secret (shown once, keep it now): \(secrets.jsonText)")
            }
        }
    }
}

import ArgumentParser
import MarketCore
import MarketStore
import PluginHosting

/// `market webhooks endpoints update ID --tenant T …`
struct WebhookEndpointUpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Change a webhook endpoint; what is not given stays.",
        discussion: "Enabling a disabled endpoint clears its pause and failures; its waiting messages are sent at once."
    )

    @Argument(help: "The endpoint's id (tgt_…).")
    var id: String

    @Option(help: "The tenant.")
    var tenant: String

    @Option(help: "A new URL.")
    var url: String?

    @Option(help: "A new description.")
    var description: String?

    @Option(help: "New event types, comma-separated patterns.")
    var types: String?

    @Option(help: "At most this many messages a second; 0 removes the limit.")
    var rate: Int?

    @Option(help: "Replaces every header, 'Name: value'; repeatable.")
    var header: [String] = []

    @Option(help: "true or false: deliver each conversation's events in order.")
    var ordered: Bool?

    @Option(help: "true or false: sign with ed25519 (v1a).")
    var asymmetric: Bool?

    @Flag(help: "Enable the endpoint.")
    var enable = false

    @Flag(help: "Disable the endpoint; its messages wait.")
    var disable = false

    @OptionGroup var options: TenantOptions

    func validate() throws {
        if enable && disable { throw ValidationError("give --enable or --disable, not both") }
    }

    func run() async throws {
        try await reportingTenantErrors {
            let change = EventTargets.Change(description: description, patterns: types.map(parseTypes), ratePerSecond: rate.map { $0 == 0 ? nil : $0 },
                                             ordered: ordered, enabled: enable ? true : disable ? false : nil)
            let update = WebhookEndpoints.Update(url: url, headers: header.isEmpty ? nil : try parseHeaders(header), asymmetric: asymmetric, target: change)
            let updated = try await options.withWebhooks { context in
                try await context.endpoints.update(id, tenant: tenant, update, by: context.principal)
            }
            if options.output.json { printJSON(updated.json.jsonText) } else { print(endpointLine(updated)) }
        }
    }
}

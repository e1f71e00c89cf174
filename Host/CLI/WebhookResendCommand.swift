import ArgumentParser
import MarketCore
import MarketStore
import PluginHosting

/// `market webhooks resend DELIVERY --tenant T`
struct WebhookResendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resend",
        abstract: "Send one delivery (tgt_…:evt_…) again, with fresh attempts, whatever became of it; `market serve` sends it."
    )

    @Argument(help: "The delivery, ENDPOINT:MESSAGE.")
    var delivery: String

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            try await options.withWebhooks { context in try await context.endpoints.resend(delivery, tenant: tenant, by: context.principal) }
            if options.output.json {
                printJSON(JSONValue.object(["delivery": .string(delivery), "resent": .bool(true)]).jsonText)
            } else {
                print("resending \(delivery)")
            }
        }
    }
}

import ArgumentParser
import MarketCore
import MarketStore
import PluginHosting

/// `market webhooks attempts MESSAGE_OR_DELIVERY --tenant T`
struct WebhookAttemptsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attempts",
        abstract: "Show the delivery attempts of a message (evt_…: to every endpoint) or of one delivery (tgt_…:evt_…)."
    )

    @Argument(help: "A message id, or a delivery as ENDPOINT:MESSAGE.")
    var reference: String

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let attempts = try await options.withWebhooks { context in try await context.endpoints.attempts(reference, tenant: tenant, by: context.principal) }
            if options.output.json {
                printJSON(JSONValue.object(["attempts": .array(attempts.map(\.json))]).jsonText)
            } else if attempts.isEmpty {
                print("no attempts yet for \(reference)")
            } else {
                for attempt in attempts {
                    let status = attempt.status.map(String.init) ?? "-", duration = attempt.durationMilliseconds.map { "\($0) ms" } ?? "-"
                    print("\(shortDate(attempt.at))  \(WebhookEndpoints.deliveryID(endpoint: attempt.targetID, event: attempt.eventID))  #\(attempt.attempt)  \(attempt.outcome)  \(status)  \(duration)\(attempt.error.map { "  \($0)" } ?? "")")
                }
            }
        }
    }
}

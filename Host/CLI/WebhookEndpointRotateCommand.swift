import ArgumentParser
import MarketCore
import MarketStore
import PluginHosting

/// `market webhooks endpoints rotate-secret ID --tenant T [--overlap 24h]`
struct WebhookEndpointRotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-secret",
        abstract: "Give a webhook endpoint a new secret; the old one keeps signing beside it for the overlap. Prints the new secret once."
    )

    @Argument(help: "The endpoint's id (tgt_…).")
    var id: String

    @Option(help: "The tenant.")
    var tenant: String

    @Option(help: "How long the old secret keeps signing too (seconds, or with s, m, h or d).")
    var overlap: String = "24h"

    @OptionGroup var options: TenantOptions

    func validate() throws {
        guard Duration(spelled: overlap) != nil else { throw ValidationError("--overlap must be a duration such as 24h, 30m or 3600") }
    }

    func run() async throws {
        try await reportingTenantErrors {
            let window = Duration(spelled: overlap) ?? .seconds(86400)
            let (endpoint, secrets) = try await options.withWebhooks { context in
                try await context.endpoints.rotateSecret(id, tenant: tenant, overlap: window, by: context.principal)
            }
            if options.output.json {
                printJSON(JSONValue.object(["id": .string(endpoint.id), "secrets": secrets]).jsonText)
            } else {
                print("new secret of \(endpoint.id) (shown once, keep it now): \(secrets.jsonText)")
            }
        }
    }
}

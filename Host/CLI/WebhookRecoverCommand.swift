import ArgumentParser
import Foundation
import MarketCore
import MarketStore
import PluginHosting

/// `market webhooks recover ENDPOINT --since TIME --tenant T`
struct WebhookRecoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Send again every failed message of an endpoint since a time.",
        discussion: "Example: market webhooks recover tgt_… --since 2026-12-01T00:00:00Z --tenant acme (or --since 6h: that long ago)"
    )

    @Argument(help: "The endpoint's id (tgt_…).")
    var endpoint: String

    @Option(help: "An RFC 3339 time, or a duration back from now (6h, 2d).")
    var since: String

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func validate() throws {
        guard Self.time(since) != nil else { throw ValidationError("--since must be an RFC 3339 time (2026-12-01T00:00:00Z) or a duration back (6h)") }
    }

    static func time(_ text: String) -> Date? {
        if let back = Duration(spelled: text) { return Date().addingTimeInterval(-back.inSeconds) }
        return ISO8601DateFormatter().date(from: text)
    }

    func run() async throws {
        try await reportingTenantErrors {
            let start = Self.time(since) ?? Date()
            let count = try await options.withWebhooks { context in
                try await context.endpoints.recover(endpoint, since: start, tenant: tenant, by: context.principal)
            }
            if options.output.json {
                printJSON(JSONValue.object(["endpoint": .string(endpoint), "recovered": .integer(Int64(count))]).jsonText)
            } else {
                print("sending \(count) failed message\(count == 1 ? "" : "s") of \(endpoint) again")
            }
        }
    }
}

import ArgumentParser
import Foundation
import Logging
import MarketCore
import MarketStore

/// `market analytics --tenant T [--since DAY] [--until DAY] [--channel C] [--json]`
struct AnalyticsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analytics",
        abstract: "A tenant's bot figures per day and channel: conversations, users, messages, tools, fallbacks, latency, tokens.",
        discussion: """
            Read from daily rollups the host keeps as the bot's events are written (docs/analytics.md). Days are UTC; \
            the range includes both ends and defaults to the last 30 days. Latency percentiles are within 4.9 % of the exact ones.
            """
    )

    @Option(help: "The tenant.")
    var tenant: String

    @Option(help: ArgumentHelp("The first day, UTC (default: 29 days before --until).", valueName: "YYYY-MM-DD"))
    var since: String?

    @Option(help: ArgumentHelp("The last day, UTC (default: today).", valueName: "YYYY-MM-DD"))
    var until: String?

    @Option(help: "Only this channel (telegram, api, cli, …).")
    var channel: String?

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let query = try AnalyticsQuery(tenant: tenant, since: since, until: until, channel: channel)
            let logger = Logger(label: "market.analytics")
            let report = try await options.database.withCurrentSchema(size: 1, logger: logger) { pool in
                try await AnalyticsStore(pool: pool).report(query)
            }
            if options.output.json {
                try options.output.printJSON(encoding: report)
            } else {
                print(AnalyticsTable.text(report))
            }
        }
    }
}

import ArgumentParser
import Foundation
import MarketBot

/// `market experiments report ID --tenant T [--json]`
struct ExperimentReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Each variant's conversations, messages, latency p50/p95, tokens, tool error rate and feedback.",
        discussion: "Computed from the stored conversations, messages and feedback; latency is per model call."
    )

    @Argument(help: "The experiment's id.")
    var id: String

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let report = try await options.withBot { try await $0.experiments.report(id, tenant: tenant) }
            if options.output.json {
                try options.output.printJSON(encoding: report.variants.map(Row.init))
                return
            }
            print("experiment \(id) (\(report.experiment.active ? "active" : "stopped"))")
            let header = ["VARIANT", "CONVS", "MSGS", "P50 MS", "P95 MS", "TOKENS", "TOOL ERR", "👍", "👎"]
            let rows = report.variants.map { figures in
                [figures.variant, "\(figures.conversations)", "\(figures.messages)", Self.number(figures.latencyP50Milliseconds),
                 Self.number(figures.latencyP95Milliseconds), "\(figures.tokens)",
                 figures.toolErrorRate.map { String(format: "%.1f%%", $0 * 100) } ?? "-", "\(figures.feedbackUp)", "\(figures.feedbackDown)"]
            }
            let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            for row in [header] + rows {
                print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
            }
        }
    }

    static func number(_ value: Double?) -> String {
        value.map { String(format: "%.0f", $0) } ?? "-"
    }

    /// The JSON form of one variant's figures.
    struct Row: Encodable {
        let variant: String
        let conversations: Int
        let messages: Int
        let latencyP50Ms: Double?
        let latencyP95Ms: Double?
        let promptTokens: Int
        let completionTokens: Int
        let toolCalls: Int
        let toolErrors: Int
        let toolErrorRate: Double?
        let feedbackUp: Int
        let feedbackDown: Int

        init(_ figures: ExperimentReport.VariantFigures) {
            variant = figures.variant
            conversations = figures.conversations
            messages = figures.messages
            latencyP50Ms = figures.latencyP50Milliseconds
            latencyP95Ms = figures.latencyP95Milliseconds
            promptTokens = figures.promptTokens
            completionTokens = figures.completionTokens
            toolCalls = figures.toolCalls
            toolErrors = figures.toolErrors
            toolErrorRate = figures.toolErrorRate
            feedbackUp = figures.feedbackUp
            feedbackDown = figures.feedbackDown
        }
    }
}

import ArgumentParser
import Foundation
import MarketBot

/// `market experiments report ID --tenant T [--json]`
struct ExperimentReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Each variant's conversations, messages, latency p50/p95, tokens, tool error rate and feedback, and its significance.",
        discussion: """
            Computed from the stored conversations, messages and feedback; latency is per model call. Each variant is compared \
            with the control (the first variant): the 👍 rate's Beta posterior (probability to beat the control, 95 % credible \
            interval) and Welch's t-test of latency and tokens per answer, with a verdict once each arm has \(VariantComparison.minimumSample) \
            observations (docs/bot.md, "Reading the significance").
            """
    )

    @Argument(help: "The experiment's id.")
    var id: String

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let report = try await options.withBot { try await $0.experiments.report(id, tenant: tenant) }
            let comparisons = Dictionary(report.comparisons.map { ($0.variant, $0) }) { first, _ in first }
            if options.output.json {
                try options.output.printJSON(encoding: report.variants.map { Row($0, significance: comparisons[$0.variant]) })
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
            for comparison in report.comparisons {
                print("")
                print(SignificanceText.lines(comparison).joined(separator: "\n"))
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
        /// Against the control; null on the control itself.
        let significance: VariantComparison?

        init(_ figures: ExperimentReport.VariantFigures, significance: VariantComparison?) {
            self.significance = significance
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

import Foundation
import MarketStore

/// `market analytics`'s text: the range's totals, then a row per day and per channel.
enum AnalyticsTable {
    static func text(_ report: AnalyticsReport) -> String {
        let query = report.query
        var lines = ["tenant \(query.tenant), \(query.since) to \(query.until) (UTC)" + (query.channel.map { ", channel \($0)" } ?? "")]
        guard report.totals != AnalyticsFigures() else {
            lines.append("no bot activity in this range")
            return lines.joined(separator: "\n")
        }
        let header = ["", "CONVS", "USERS", "NEW", "RETURNING", "MSGS IN", "MSGS OUT", "FALLBACK", "TOOLS", "TOOL ERR",
                      "P50 MS", "P95 MS", "TOKENS IN", "TOKENS OUT"]
        let rows = report.days.map { row($0.day, $0.figures) } + [row("total", report.totals)]
        lines += table([header] + rows)
        if report.channels.count > 1 || query.channel == nil {
            lines.append("")
            lines += table([["CHANNEL"] + header.dropFirst()] + report.channels.map { row($0.channel, $0.figures) })
        }
        lines.append("")
        lines.append("USERS is distinct users a day; on the total and channel rows it sums the days (user-days).")
        return lines.joined(separator: "\n")
    }

    static func row(_ name: String, _ figures: AnalyticsFigures) -> [String] {
        [name, "\(figures.conversations)", "\(figures.activeUsers)", "\(figures.newUsers)", "\(figures.returningUsers)",
         "\(figures.messagesIn)", "\(figures.messagesOut)", figures.fallbackRate.map { String(format: "%.1f%%", $0 * 100) } ?? "-",
         "\(figures.toolCalls)", "\(figures.toolErrors)", milliseconds(figures.latencyP50Milliseconds),
         milliseconds(figures.latencyP95Milliseconds), "\(figures.promptTokens)", "\(figures.completionTokens)"]
    }

    static func milliseconds(_ value: Double?) -> String {
        value.map { String(format: "%.0f", $0) } ?? "-"
    }

    /// Columns padded to their widest cell; numbers right-aligned.
    static func table(_ rows: [[String]]) -> [String] {
        let widths = (rows.first ?? []).indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
    }
}

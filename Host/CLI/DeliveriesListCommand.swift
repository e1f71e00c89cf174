import ArgumentParser
import Foundation
import MarketStore

/// `market deliveries list [--tenant T] [--status S] [--subscriber P] [--limit N]`
struct DeliveriesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List deliveries, newest events first.",
        discussion: "Example: market deliveries list --tenant acme --status dead"
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only this tenant's deliveries.")
    var tenant: String?

    @Option(help: "Only deliveries in this state: pending, delivered or dead.")
    var status: String?

    @Option(help: "Only deliveries to this plugin.")
    var subscriber: String?

    @Option(help: "At most this many rows.")
    var limit: Int = 50

    func validate() throws {
        if let status, DeliveryStatus(rawValue: status) == nil {
            throw ValidationError("--status must be pending, delivered or dead, not '\(status)'")
        }
        guard limit >= 1 else { throw ValidationError("--limit must be 1 or more") }
    }

    func run() async throws {
        try await reportingErrors {
            let filter = DeliveryFilter(tenantID: tenant, subscriber: subscriber, status: status.flatMap(DeliveryStatus.init))
            let records = try await database.withBus { bus, _ in try await bus.deliveries(filter, limit: limit) }
            guard !records.isEmpty else {
                print("no deliveries match")
                return
            }
            let rows = records.map { record in
                let when = record.status == .delivered ? record.deliveredAt : record.status == .pending ? record.nextAttemptAt : nil
                return [record.eventID, record.eventType, record.subscriber.description, record.status.rawValue, String(record.attempts),
                        when.map(Self.format) ?? "-", record.lastError.map { String($0.prefix(60)) } ?? ""]
            }
            printTable(["EVENT", "TYPE", "SUBSCRIBER", "STATUS", "ATTEMPTS", "DUE/DELIVERED", "LAST ERROR"], rows)
        }
    }

    static func format(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon))
    }

    private func printTable(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            let cells = row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            print(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }
}

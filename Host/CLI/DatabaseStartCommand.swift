import ArgumentParser
import Foundation
import MarketStore

/// `market db start`
struct DatabaseStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Create the private PostgreSQL cluster if needed and start it.",
        discussion: "Example: market db start --state-dir /var/lib/market"
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Also listen on this TCP address (e.g. 127.0.0.1); by default only the unix socket.")
    var listen: String?

    func run() async throws {
        try await reportingErrors {
            switch database.location(listenAddress: listen) {
            case .url:
                print("DATABASE_URL is set: market uses that server, so there is no private cluster to start.")
            case .privateCluster(let cluster):
                let started = try await cluster.start()
                print(started ? "started the private PostgreSQL cluster in \(cluster.folder.path)"
                              : "the private PostgreSQL cluster in \(cluster.folder.path) is already running")
                print("connection: \(cluster.connectionString)")
            }
        }
    }
}

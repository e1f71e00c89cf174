import ArgumentParser
import Foundation
import MarketStore

/// `market db stop`
struct DatabaseStopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop the private PostgreSQL cluster (open transactions roll back)."
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            switch database.location() {
            case .url:
                print("DATABASE_URL is set: market uses that server, so there is no private cluster to stop.")
            case .privateCluster(let cluster):
                let stopped = try await cluster.stop()
                print(stopped ? "stopped the private PostgreSQL cluster in \(cluster.folder.path)"
                              : "the private PostgreSQL cluster in \(cluster.folder.path) is not running")
            }
        }
    }
}

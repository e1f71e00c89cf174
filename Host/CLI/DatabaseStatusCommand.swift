import ArgumentParser
import Foundation
import MarketStore

/// `market db status`: exits 0 when the database accepts connections, 3 when it does not
/// (as `pg_ctl status` does).
struct DatabaseStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Say whether the database runs and accepts connections (exit status 3 when not)."
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            let location = database.location()
            let accepting = await location.isAcceptingConnections()
            switch location {
            case .url:
                print(accepting ? "the DATABASE_URL server accepts connections" : "the DATABASE_URL server does not answer")
            case .privateCluster(let cluster):
                switch try await cluster.status() {
                case .absent: print("no private PostgreSQL cluster in \(cluster.folder.path) yet (market db start creates one)")
                case .stopped: print("the private PostgreSQL cluster in \(cluster.folder.path) is stopped")
                case .running: print("the private PostgreSQL cluster in \(cluster.folder.path) is running" + (accepting ? " and accepts connections" : " but refuses connections"))
                }
            }
            if !accepting { throw ExitCode(3) }
        }
    }
}

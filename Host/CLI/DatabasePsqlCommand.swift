import ArgumentParser
import Foundation
import MarketCore
import MarketStore

#if canImport(Glibc)
import Glibc
#endif

/// `market db psql [-- ARGS…]`: replaces itself with `psql` connected to the database.
struct DatabasePsqlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psql",
        abstract: "Open psql on the database (arguments after -- go to psql).",
        discussion: "Example: market db psql -- -c 'SELECT version, name FROM schema_migrations'"
    )

    @OptionGroup var database: DatabaseOptions

    @Argument(parsing: .postTerminator, help: "Arguments for psql.")
    var arguments: [String] = []

    func run() async throws {
        try await reportingErrors {
            let location = database.location()
            guard await location.isAcceptingConnections() else {
                throw MarketError(.databaseUnavailable, "the database does not accept connections",
                                  fix: "start it with `market db start`, or check DATABASE_URL")
            }
            let psql = try psqlPath(for: location)
            let argv = [psql, location.connectionString] + arguments
            // execv only returns on failure; the C strings are then freed with the process.
            let cArguments = argv.map { strdup($0) } + [nil]
            execv(psql, cArguments)
            throw MarketError(.databaseUnavailable, "cannot run \(psql) (errno \(errno))", fix: "install postgresql-client")
        }
    }

    /// The cluster's own psql for the private cluster; otherwise the first psql on PATH.
    private func psqlPath(for location: DatabaseLocation) throws -> String {
        if case .privateCluster(let cluster) = location, let bin = try? cluster.clientPrograms() {
            return bin.appendingPathComponent("psql").path
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/psql") {
            return "\(folder)/psql"
        }
        throw MarketError(.databaseUnavailable, "psql not found on PATH", fix: "install postgresql-client")
    }
}

import ArgumentParser
import Foundation

/// The state folder option of the commands that read or change what is installed.
struct StateOptions: ParsableArguments {
    @Option(help: "Where installed plugins, market.lock and trusted registry metadata are kept (default: $MARKET_HOME or ~/.market).")
    var stateDir: String?

    var stateDirectory: URL {
        if let stateDir { return URL(fileURLWithPath: stateDir) }
        if let home = ProcessInfo.processInfo.environment["MARKET_HOME"] { return URL(fileURLWithPath: home) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".market")
    }
}

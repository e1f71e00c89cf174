import ArgumentParser
import Foundation
import MarketStore

/// Options shared by the `market db` commands.
struct DatabaseOptions: ParsableArguments {
    @OptionGroup var state: StateOptions

    @Option(help: "The port in the private cluster's socket name.")
    var port: Int = 5432

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
    }

    var stateDirectory: URL { state.stateDirectory }

    func location(listenAddress: String? = nil) -> DatabaseLocation {
        DatabaseLocation.resolve(stateDirectory: stateDirectory,
                                 cluster: PrivateCluster.Configuration(port: port, listenAddress: listenAddress))
    }
}

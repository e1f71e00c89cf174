import ArgumentParser
import Foundation

/// `--state-dir`, the one state folder option of every command that keeps state (see `StateDirectory`).
struct StateOptions: ParsableArguments {
    @Option(help: "Market's state directory: installed plugins, market.lock, registry metadata, master.key and the private cluster (default: $MARKET_HOME, else /var/lib/market as root, else ~/.market).")
    var stateDir: String?

    var stateDirectory: URL { StateDirectory.current(option: stateDir) }
}

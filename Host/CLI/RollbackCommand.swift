import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry
import MarketStore
import PluginHosting

/// `market rollback NAME`
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Switch a plugin back to the version installed before the current one.",
        discussion: "The earlier version is kept on disk by updates; it is checked against market.lock before the switch. Rolling back twice returns to where you started. " +
            "With --database URL, makes the version desired before the last change the desired state there instead, and every `market serve` on that database converges."
    )

    @Argument(help: "The plugin id.")
    var name: String

    @OptionGroup var state: StateOptions

    @OptionGroup var desired: DesiredStateOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
        if desired.database != nil { return try await recordDesired() }
        try await reportingErrors(json: output.json) {
            let installer = Installer(folder: state.stateDirectory, probe: InstallProbe.run)
            let name = name
            let entry = try await BlockingWork.run { try installer.rollback(name) }
            if output.json {
                printJSON(JSONValue.object(["id": .string(name), "version": .string(entry.version), "from": .string(entry.previous?.version ?? ""),
                                            "status": .string("rolled_back")]).jsonText)
            } else {
                print("rolled \(name) back from \(entry.previous?.version ?? "?") to \(entry.version)")
            }
        }
    }

    /// `--database`: swaps the desired state with the one before it.
    private func recordDesired() async throws {
        try await reportingErrors(json: output.json) {
            try await DesiredChange(options: desired, json: output.json).run(name, action: "plugin.rollback") { [name] current in
                try await DesiredChange.refusing({ _ in
                    MarketError(.notFound, "no earlier desired version of \(name) is recorded to roll back to",
                                fix: "install the version you want: market install \(name)@VERSION --database URL")
                }) { try DesiredChanges.rollback(over: current) }
            }
        }
    }
}

import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market rollback NAME`
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Switch a plugin back to the version installed before the current one.",
        discussion: "The earlier version is kept on disk by updates; it is checked against market.lock before the switch. Rolling back twice returns to where you started."
    )

    @Argument(help: "The plugin id.")
    var name: String

    @OptionGroup var state: StateOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
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
}

import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market uninstall NAME`
struct UninstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall",
        abstract: "Remove an installed plugin (every version kept) and its market.lock entry.",
        discussion: "Refuses while another installed plugin depends on it (DEPENDENCY_NEEDED)."
    )

    @Argument(help: "The plugin id.")
    var name: String

    @OptionGroup var state: StateOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let installer = Installer(folder: state.stateDirectory, probe: InstallProbe.run)
            let name = name
            let entry = try await BlockingWork.run { try installer.uninstall(name) }
            // Dependencies nobody asked for and nothing needs any more are kept, and named.
            let lock = try LockFile.read(in: state.stateDirectory)
            let unneeded = entry.dependencies.keys.sorted().filter { id in
                lock.plugins[id].map { !$0.requested && lock.dependents(of: id).isEmpty } ?? false
            }
            if output.json {
                printJSON(JSONValue.object(["id": .string(name), "version": .string(entry.version), "status": .string("uninstalled"),
                                            "unneeded": .array(unneeded.map(JSONValue.string))]).jsonText)
            } else {
                print("uninstalled \(name) \(entry.version)")
                for id in unneeded { print("\(id) was installed for \(name) and nothing needs it now; remove it with `market uninstall \(id)`") }
            }
        }
    }
}

import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry
import MarketStore
import PluginHosting

/// `market uninstall NAME`
struct UninstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall",
        abstract: "Remove an installed plugin (every version kept) and its market.lock entry.",
        discussion: "Refuses while another installed plugin depends on it (DEPENDENCY_NEEDED). " +
            "With --database URL, records the plugin as uninstalled in the desired state there instead, and every `market serve` on that database removes it."
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

    /// `--database`: records the plugin as uninstalled.
    private func recordDesired() async throws {
        try await reportingErrors(json: output.json) {
            try await DesiredChange(options: desired, json: output.json).run(name, action: "plugin.uninstall") { [name] current in
                try await DesiredChange.refusing({ _ in
                    MarketError(.notInstalled, "\(name) is not in the desired state", fix: "check the plugin id; nothing was changed")
                }) { try DesiredChanges.uninstall(over: current) }
            }
        }
    }
}

import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market registry remove NAME`
struct RegistryRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a registry from the list. Plugins installed from it stay installed; its trusted metadata is kept."
    )

    @Argument(help: "The registry's name, as `market registry list` shows it.")
    var name: String

    @OptionGroup var state: StateOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let name = name
            try ClientConfig.update(in: state.stateDirectory) { config in
                guard config.registries.contains(where: { $0.name == name }) else {
                    throw MarketError(.notFound, "no registry named \(name) is added", fix: "see the names with `market registry list`")
                }
                config.registries.removeAll { $0.name == name }
            }
            if output.json {
                printJSON(JSONValue.object(["name": .string(name), "status": .string("removed")]).jsonText)
            } else {
                print("removed registry \(name)")
            }
        }
    }
}

import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market registry list`
struct RegistryListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the registries added, in the order they are consulted.")

    @OptionGroup var state: StateOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let registries = try ClientConfig.read(in: state.stateDirectory).registries
            if output.json {
                printJSON(JSONValue.object(["registries": .array(registries.map { registry in
                    .object(["name": .string(registry.name), "url": .string(registry.url), "mirrors": .array(registry.mirrors.map(JSONValue.string))])
                })]).jsonText)
                return
            }
            if registries.isEmpty { print("no registries added; add one with `market registry add NAME URL --root root.json`") }
            for (position, registry) in registries.enumerated() {
                print("\(position + 1). \(registry.name)  \(registry.url)" + registry.mirrors.map { "\n     mirror \($0)" }.joined())
            }
        }
    }
}

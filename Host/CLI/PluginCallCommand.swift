import ArgumentParser
import PluginRuntime

/// `market plugin call PATH TOOL [JSON]`
struct PluginCallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call one tool of a plugin and print its JSON result.",
        discussion: "Example: market plugin call .build/market-plugins/textkit word_count '{\"text\":\"hello world\"}'"
    )

    @OptionGroup var instance: InstanceOptions

    @Argument(help: "The tool's name, as `market plugin inspect` lists it.")
    var tool: String

    @Argument(help: "The tool's arguments, a JSON object.")
    var arguments: String = "{}"

    func run() async throws {
        try await reportingErrors {
            let result = try await instance.withInstance { plugin in
                try await plugin.callTool(tool, arguments: arguments, timeout: instance.callTimeout)
            }
            printJSON(result)
        }
    }
}

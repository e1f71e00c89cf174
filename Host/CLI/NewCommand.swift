import ArgumentParser
import Foundation
import MarketCore

extension Scaffold.Language: ExpressibleByArgument {}

/// `market new --lang swift|c|rust NAME`
struct NewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Create a plugin project that builds into a loadable bundle with one command.",
        discussion: """
            The project is self-contained: it carries the ABI header (and, for Swift, PluginKit).
            Build it with ./build.sh, then try it with `market plugin inspect bundle`.
            """
    )

    @Option(name: .customLong("lang"), help: "The language: swift, c or rust.")
    var language: Scaffold.Language

    @Argument(help: "The plugin id: 2–64 lower-case letters, digits and '-', starting with a letter.")
    var name: String

    @Option(help: "The folder to create (default: ./NAME).")
    var output: String?

    func validate() throws {
        guard PluginManifest.isIdentifier(name) else {
            throw ValidationError("'\(name)' is not a plugin id: use 2–64 lower-case letters, digits and '-', starting with a letter (e.g. acme-crm)")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let destination = URL(fileURLWithPath: output ?? name)
            try Scaffold(language: language, id: name, sdk: try SDKLocation.find()).write(to: destination)
            print("Created the \(language.rawValue) plugin '\(name)' in \(destination.path)")
            print("Next: cd \(destination.path) && ./build.sh && market plugin inspect bundle")
        }
    }
}

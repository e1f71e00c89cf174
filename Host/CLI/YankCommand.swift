import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market yank NAME@VERSION --reason R --registry DIR --key K`
struct YankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yank",
        abstract: "Mark a published version as yanked: new installs skip it, existing locks keep it."
    )

    @Argument(help: "The plugin and version, NAME@VERSION.")
    var target: String

    @Option(help: "Why, shown to users.")
    var reason: String

    @Option(help: "The registry folder.")
    var registry: String

    @Option(help: "An online private key of the registry.")
    var key: String

    func validate() throws {
        let parts = target.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("name the version as NAME@VERSION, e.g. notes@1.0.0")
        }
    }

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let signingKey = try KeyFiles.loadSigningKey(from: URL(fileURLWithPath: key))
            let parts = target.split(separator: "@").map(String.init)
            let (folder, reason) = (URL(fileURLWithPath: registry), reason)
            try await BlockingWork.run { try RegistryWriter(folder: folder, key: signingKey).yank(id: parts[0], version: parts[1], reason: reason) }
            if output.json {
                printJSON(JSONValue.object(["id": .string(parts[0]), "version": .string(parts[1]), "reason": .string(reason), "status": .string("yanked")]).jsonText)
                return
            }
            print("yanked \(target): \(reason)")
        }
    }
}

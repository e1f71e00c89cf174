import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market registry refresh DIR --key K`
struct RegistryRefreshCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Re-sign the timestamp (and the snapshot when it expires within a week).",
        discussion: "The timestamp expires a day after signing; clients refuse an expired one, so run this at least daily."
    )

    @Argument(help: "The registry folder.")
    var folder: String

    @Option(help: "An online private key of the registry.")
    var key: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let signingKey = try KeyFiles.loadSigningKey(from: URL(fileURLWithPath: key))
            let url = URL(fileURLWithPath: folder)
            try await BlockingWork.run { try RegistryWriter(folder: url, key: signingKey).refresh() }
            if output.json {
                printJSON(JSONValue.object(["folder": .string(folder), "status": .string("refreshed")]).jsonText)
                return
            }
            print("re-signed \(folder)/timestamp.json")
        }
    }
}

import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market trust remove KEYID`
struct TrustRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Stop trusting a publisher key. Installed plugins stay installed.")

    @Argument(help: "The key id (16 hex digits) shown by `market trust list`.")
    var keyID: String

    @OptionGroup var state: StateOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let keyID = keyID
            try ClientConfig.update(in: state.stateDirectory) { config in
                guard config.publishers.contains(where: { $0.id == keyID }) else {
                    throw MarketError(.notFound, "publisher key \(keyID) is not trusted", fix: "see the trusted keys with `market trust list`")
                }
                config.publishers.removeAll { $0.id == keyID }
            }
            if output.json {
                printJSON(JSONValue.object(["id": .string(keyID), "status": .string("removed")]).jsonText)
            } else {
                print("no longer trusting publisher key \(keyID)")
            }
        }
    }
}

import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market trust add KEY.pub [--name NAME]`
struct TrustAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Trust a publisher's public key (a .pub file from `market keygen`, or the key in base64).")

    @Argument(help: "The publisher's .pub file, or its public key in base64.")
    var key: String

    @Option(help: "A name to show for the publisher.")
    var name: String?

    @OptionGroup var state: StateOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let publicKey = FileManager.default.fileExists(atPath: key)
                ? try KeyFiles.loadPublicKey(from: URL(fileURLWithPath: key)) : try PublicKey(base64: key)
            let added = try ClientConfig.update(in: state.stateDirectory) { config in
                guard !config.publishers.contains(where: { $0.id == publicKey.id }) else { return false }
                config.publishers.append(ClientConfig.Publisher(id: publicKey.id, key: publicKey.base64, name: name))
                return true
            }
            if output.json {
                printJSON(JSONValue.object(["id": .string(publicKey.id), "status": .string(added ? "trusted" : "already_trusted")]).jsonText)
            } else {
                print(added ? "trusted publisher key \(publicKey.id)\(name.map { " (\($0))" } ?? "")" : "publisher key \(publicKey.id) was already trusted")
            }
        }
    }
}

import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market keygen --out DIR [--name NAME]`
struct KeygenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a new ed25519 key pair for signing packages or registry metadata.",
        discussion: "Writes NAME.key (private, mode 0600) and NAME.pub (public). The private key is never printed; keep it out of version control."
    )

    @Option(help: "The folder for the key files (created if missing).")
    var out: String

    @Option(help: "The file name of the pair, without extension.")
    var name = "market"

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let written = try KeyFiles.write(SigningKey.generate(), to: URL(fileURLWithPath: out), name: name)
            if output.json {
                printJSON(JSONValue.object(["keyid": .string(written.keyID), "private_key": .string(written.privateKey.path), "public_key": .string(written.publicKey.path)]).jsonText)
                return
            }
            print("key id:      \(written.keyID)")
            print("private key: \(written.privateKey.path) (keep it secret)")
            print("public key:  \(written.publicKey.path)")
        }
    }
}

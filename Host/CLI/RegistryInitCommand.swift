import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market registry init DIR --root-key K [--key K…]`
struct RegistryInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a registry tree: root.json signed by the root key, an empty catalog, a snapshot and a timestamp.",
        discussion: "The root key signs only root.json; keep it offline. The --key keys (or the root key when none is given) sign the index files, catalog, snapshot and timestamp; the first --key must be a private key file, which signs the first snapshot."
    )

    @Argument(help: "The registry folder (empty or missing).")
    var folder: String

    @Option(name: .customLong("root-key"), help: "The root private key file.")
    var rootKey: String

    @Option(name: .customLong("key"), help: "An online key file (repeatable).")
    var keys: [String] = []

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let root = try KeyFiles.loadSigningKey(from: URL(fileURLWithPath: rootKey))
            let online = try keys.map { try KeyFiles.loadPublicKey(from: URL(fileURLWithPath: $0)) }
            let signer = try keys.first.map { try KeyFiles.loadSigningKey(from: URL(fileURLWithPath: $0)) }
            let url = URL(fileURLWithPath: folder)
            let writer = try await BlockingWork.run { try RegistryWriter.create(at: url, rootKey: root, onlineKeys: online, onlineKey: signer) }
            if output.json {
                printJSON(JSONValue.object(["folder": .string(writer.folder.path), "root_key": .string(root.id),
                                            "online_keys": .array((online.isEmpty ? [root.publicKey] : online).map { .string($0.id) })]).jsonText)
                return
            }
            print("created the registry in \(writer.folder.path)")
            print("  root key \(root.id); online keys \((online.isEmpty ? [root.publicKey] : online).map(\.id).joined(separator: ", "))")
            print("  re-sign the timestamp at least daily: market registry refresh \(folder) --key KEY")
        }
    }
}

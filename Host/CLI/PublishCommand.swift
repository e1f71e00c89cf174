import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market publish PKG --registry DIR --key K`
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Add a package to a registry tree and re-sign its snapshot and timestamp.",
        discussion: "The package is verified first. A plugin's first publish pins its publisher key; later versions must be signed by it. A version is published once per platform and never changes."
    )

    @Argument(help: "The .mkpkg package.")
    var package: String

    @Option(help: "The registry folder.")
    var registry: String

    @Option(help: "An online private key of the registry.")
    var key: String

    @Flag(name: .customLong("no-probe"), help: "Do not load the library before packing or publishing it (for a library this machine cannot load; install still probes it).")
    var noProbe = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let signingKey = try KeyFiles.loadSigningKey(from: URL(fileURLWithPath: key))
            let (folder, file) = (URL(fileURLWithPath: registry), URL(fileURLWithPath: package))
            let probe: RegistryWriter.Probe? = noProbe ? nil : InstallProbe.forPublishing
            // The probe's child may take up to its timeout: a thread of its own, not the pool's.
            let entry = try await BlockingWork.runOnOwnThread { try RegistryWriter(folder: folder, key: signingKey).publish(file, probe: probe) }
            if output.json {
                printJSON(JSONValue.object(["name": .string(entry.name), "version": .string(entry.version), "publisher": .string(entry.publisher),
                                            "platforms": .array(entry.artifacts.keys.sorted().map(JSONValue.string))]).jsonText)
                return
            }
            print("published \(entry.name) \(entry.version) (\(entry.artifacts.keys.sorted().joined(separator: ", "))), publisher \(entry.publisher)")
        }
    }
}

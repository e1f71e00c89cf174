import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market registry build DIR --key K [--plugins FOLDER]`
struct RegistryBuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Pack and publish every built plugin folder into a registry tree.",
        discussion: "The key signs the packages (as publisher) and the registry metadata. Versions already published are left as they are."
    )

    @Argument(help: "The registry folder (create it first with `market registry init`).")
    var folder: String

    @Option(help: "An online private key of the registry.")
    var key: String

    @Option(help: "The folder of built plugin folders.")
    var plugins = ".build/market-plugins"

    @Flag(name: .customLong("no-probe"), help: "Do not load the library before packing or publishing it (for a library this machine cannot load; install still probes it).")
    var noProbe = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let signingKey = try KeyFiles.loadSigningKey(from: URL(fileURLWithPath: key))
            let (registry, source) = (URL(fileURLWithPath: folder), URL(fileURLWithPath: plugins))
            let probe: RegistryWriter.Probe? = noProbe ? nil : InstallProbe.forPublishing
            let outcomes = try await BlockingWork.runOnOwnThread { try RegistryWriter(folder: registry, key: signingKey).build(plugins: source, probe: probe) }
            if output.json {
                printJSON(JSONValue.object(["plugins": .array(outcomes.map { outcome in
                    switch outcome {
                    case .published(let id, let version): .object(["id": .string(id), "version": .string(version), "status": .string("published")])
                    case .alreadyPublished(let id, let version): .object(["id": .string(id), "version": .string(version), "status": .string("kept")])
                    }
                })]).jsonText)
                return
            }
            for outcome in outcomes {
                switch outcome {
                case .published(let id, let version): print("published \(id) \(version)")
                case .alreadyPublished(let id, let version): print("kept      \(id) \(version) (already published)")
                }
            }
        }
    }
}

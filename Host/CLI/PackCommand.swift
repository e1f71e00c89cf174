import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market pack DIR --key KEY [--out DIR]`
struct PackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Pack a built plugin folder into a signed .mkpkg package.",
        discussion: "The package holds plugin.json, the library, icon/README.md/CHANGELOG.md when present, CHECKSUMS and CHECKSUMS.sig. It is named <id>-<version>-<os>-<arch>[-<toolchain>].mkpkg."
    )

    @Argument(help: "The plugin folder (holding plugin.json and the library).")
    var folder: String

    @Option(help: "The publisher's private key file (from `market keygen`).")
    var key: String

    @Option(help: "The folder to write the package into.")
    var out = "."

    @Flag(name: .customLong("no-probe"), help: "Do not load the library before packing or publishing it (for a library this machine cannot load; install still probes it).")
    var noProbe = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let signingKey = try KeyFiles.loadSigningKey(from: URL(fileURLWithPath: key))
            let (source, destination) = (URL(fileURLWithPath: folder), URL(fileURLWithPath: out))
            // A library that cannot load is refused before it is signed, as install would refuse it.
            if !noProbe { try await BlockingWork.runOnOwnThread { try InstallProbe.forPublishing(source) } }
            let package = try await BlockingWork.run { try PackageWriter.pack(source, signedWith: signingKey, into: destination) }
            if output.json {
                printJSON(JSONValue.object(["file": .string(package.url.path), "id": .string(package.manifest.id), "version": .string(package.manifest.version),
                                            "platform": .string(package.platform.description), "size": .integer(Int64(package.size)),
                                            "sha256": .string(package.sha256), "publisher": .string(package.publisherKeyID)]).jsonText)
                return
            }
            print("\(package.url.path)")
            print("  \(package.manifest.id) \(package.manifest.version) for \(package.platform), \(package.size) bytes, sha256 \(package.sha256)")
            print("  signed by \(package.publisherKeyID)")
        }
    }
}

import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market install NAME[@RANGE]`
struct InstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install a plugin from a registry: download, verify, extract, probe-load, then switch it in.",
        discussion: """
            Picks the highest version in RANGE (default: the latest release) that is not yanked, accepts this host's ABI \
            and is built for this host. Installs into <state-dir>/plugins/<id>/<version>, points <id>/current at it and \
            records it in <state-dir>/market.lock. Any failure leaves both as they were.
            Example: market install notes@^1.0 --registry https://plugins.example.com --root root.json
            """
    )

    @Argument(help: "The plugin, NAME or NAME@RANGE (^1.2, ~1.2.3, >=1.0 <2.0, 1.2.3).")
    var target: String

    @OptionGroup var options: RegistryClientOptions

    @Flag(help: "Consent to a change of permissions from the installed version.")
    var yes = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard !target.isEmpty, !target.hasPrefix("@") else { throw ValidationError("name the plugin, e.g. notes or notes@^1.0") }
    }

    func run() async throws {
        try await reportingErrors {
            let parts = target.split(separator: "@", maxSplits: 1).map(String.init)
            let range = try parts.count > 1 ? VersionRange(parts[1]) : nil
            let source = try options.source()
            let installer = Installer(folder: options.stateDirectory, probe: InstallProbe.run)
            let outcome = try await installer.install(parts[0], range: range, from: options.client(), source: source.location, consent: yes)
            let (id, version, state) = switch outcome {
            case .installed(let id, let version): (id, version, "installed")
            case .alreadyInstalled(let id, let version): (id, version, "already installed")
            }
            if json {
                printJSON(JSONValue.object(["id": .string(id), "version": .string(version), "status": .string(state.replacingOccurrences(of: " ", with: "_"))]).jsonText)
            } else {
                print("\(state) \(id) \(version) in \(options.stateDirectory.appendingPathComponent("plugins/\(id)/\(version)").path)")
            }
        }
    }
}

import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry
import MarketStore
import PluginHosting

/// `market install NAME[@RANGE]`, `market install --from FILE.mkpkg`
struct InstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install a plugin from a registry: resolve, download, verify, extract, probe-load, then switch it in.",
        discussion: """
            Picks the highest version in RANGE (default: the latest release) that is not yanked, accepts this host's ABI \
            and is built for this host, with the plugins it depends on. Installs into <state-dir>/plugins/<id>/<version>, \
            points <id>/current at it and records it in <state-dir>/market.lock. Any failure leaves both as they were.
            With --from, installs a package file signed by a publisher key added with `market trust add`.
            With --offline, reads only folder mirrors and what earlier runs kept; no network.
            With --database URL, records the version as the desired state there instead (with an audit entry), and every \
            `market serve` on that database installs it from its registries; waits for them (--timeout, --no-wait) and says \
            which converged. A concurrent change of the same plugin fails with PLUGIN_CHANGE_CONFLICT.
            Example: market install notes@^1.0 --registry https://plugins.example.com --root root.json
            """
    )

    @Argument(help: "The plugin, NAME or NAME@RANGE (^1.2, ~1.2.3, >=1.0 <2.0, 1.2.3).")
    var target: String?

    @Option(help: "Install this package file instead of a registry's.")
    var from: String?

    @OptionGroup var options: RegistryClientOptions

    @Flag(help: "Consent to a change of permissions from the installed version.")
    var yes = false

    @OptionGroup var desired: DesiredStateOptions

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if desired.database != nil, from != nil {
            throw ValidationError("--from installs on this machine only; with --database, servers fetch from their registries: publish the package to one")
        }
        switch (target, from) {
        case (nil, nil): throw ValidationError("name the plugin, e.g. notes or notes@^1.0, or give a package with --from FILE.mkpkg")
        case (_?, _?): throw ValidationError("give either a plugin name or --from FILE.mkpkg, not both")
        case (let target?, nil): guard !target.isEmpty, !target.hasPrefix("@") else { throw ValidationError("name the plugin, e.g. notes or notes@^1.0") }
        case (nil, _?): break
        }
    }

    func run() async throws {
        if desired.database != nil { return try await recordDesired() }
        try await reportingErrors(json: output.json) {
            let installer = Installer(folder: options.stateDirectory, probe: InstallProbe.run, progress: ProgressBar.reporter(json: output.json))
            let outcomes: [Installer.Outcome]
            if let from {
                let publishers = try ClientConfig.read(in: options.stateDirectory).trustedPublishers()
                let url = URL(fileURLWithPath: from)
                let (plan, _) = try await BlockingWork.run { try installer.plan(file: url, publishers: publishers) }
                outcomes = try await installer.apply(plan, consent: ConsentPrompt.consent(yes: yes))
            } else {
                let parts = (target ?? "").split(separator: "@", maxSplits: 1).map(String.init)
                let range = try parts.count > 1 ? VersionRange(parts[1]) : nil
                let (registry, client, verified) = try await options.registry(having: parts[0])
                let plan = try await installer.plan([(parts[0], range)], from: client, source: registry.source.location, verified: verified)
                outcomes = try await installer.apply(plan, consent: ConsentPrompt.consent(yes: yes))
            }
            InstallReport.print(outcomes, stateDirectory: options.stateDirectory, json: output.json)
        }
    }

    /// `--database`: records the resolved version as the plugin's desired state.
    private func recordDesired() async throws {
        try await reportingErrors(json: output.json) {
            let parts = (target ?? "").split(separator: "@", maxSplits: 1).map(String.init)
            let range = try parts.count > 1 ? VersionRange(parts[1]) : nil
            let wanted = try await options.access.desiredTarget(parts[0], range: range)
            try await DesiredChange(options: desired, json: output.json).run(parts[0], action: "plugin.install") { current in
                try await DesiredChanges.install(wanted, over: current, consent: DesiredChange.consent(parts[0], yes: yes))
            }
        }
    }
}

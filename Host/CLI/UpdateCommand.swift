import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry
import MarketStore
import PluginHosting

/// `market update [NAME] [--dry-run] [--yes]`
struct UpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Update installed plugins to the newest versions in the ranges recorded at install.",
        discussion: """
            Without NAME, updates every plugin installed from a registry (one transaction per registry). An update whose \
            permissions changed shows the difference and asks on a terminal; --yes consents for scripts; without a terminal \
            and without --yes it is refused with PERMISSIONS_CHANGED. The version replaced stays on disk for `market rollback`.
            With --database URL, changes the plugin's desired state there to the newest version in its range instead, and \
            every `market serve` on that database converges (see `market install --database`).
            """
    )

    @Argument(help: "The plugin id (default: every installed plugin).")
    var name: String?

    @Flag(help: "Show what would change, and change nothing.")
    var dryRun = false

    @Flag(help: "Consent to changes of permissions.")
    var yes = false

    @OptionGroup var options: RegistryClientOptions

    @OptionGroup var desired: DesiredStateOptions

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if desired.database != nil, name == nil { throw ValidationError("with --database, name the plugin to update, e.g. market update notes --database URL") }
        if desired.database != nil, dryRun { throw ValidationError("--dry-run shows this machine's updates; leave out --database") }
    }

    func run() async throws {
        if let name, desired.database != nil { return try await recordDesired(name) }
        try await reportingErrors(json: output.json) {
            let installer = Installer(folder: options.stateDirectory, probe: InstallProbe.run, progress: ProgressBar.reporter(json: output.json))
            let plans = try await installer.planUpdate(name, clients: options.clients)
            if dryRun {
                report(plans)
                return
            }
            var outcomes: [Installer.Outcome] = []
            for plan in plans { outcomes += try await installer.apply(plan, consent: ConsentPrompt.consent(yes: yes)) }
            if outcomes.isEmpty, !output.json {
                print("nothing to update")
                return
            }
            InstallReport.print(outcomes, stateDirectory: options.stateDirectory, json: output.json)
        }
    }

    /// What a dry run would do.
    private func report(_ plans: [InstallPlan]) {
        let steps = plans.flatMap(\.steps)
        if output.json {
            printJSON(JSONValue.object(["dry_run": .bool(true), "updates": .array(steps.map { step in
                .object(["id": .string(step.id), "from": step.replacing.map { JSONValue.string($0.version) } ?? .null, "to": .string(step.version),
                         "permissions_change": .bool(step.changesPermissions)])
            })]).jsonText)
            return
        }
        guard !steps.isEmpty else {
            print("nothing to update")
            return
        }
        for step in steps {
            let from = step.replacing.map { "\($0.version) -> " } ?? "new: "
            print("would update \(step.id) \(from)\(step.version)\(step.changesPermissions ? " (permissions change: needs consent)" : "")")
        }
    }

    /// `--database`: records the newest version in the desired range as the desired state.
    private func recordDesired(_ name: String) async throws {
        try await reportingErrors(json: output.json) {
            try await DesiredChange(options: desired, json: output.json).run(name, action: "plugin.update") { current in
                try await DesiredChange.refusing({ _ in
                    MarketError(.notInstalled, "\(name) is not in the desired state", fix: "install it first: market install \(name) --database URL")
                }) {
                    try await DesiredChanges.update(over: current, resolve: { try await options.access.desiredUpdate(name, of: $0) },
                                                    consent: DesiredChange.consent(name, yes: yes))
                }
            }
        }
    }
}

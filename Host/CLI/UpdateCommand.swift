import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market update [NAME] [--dry-run] [--yes]`
struct UpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Update installed plugins to the newest versions in the ranges recorded at install.",
        discussion: """
            Without NAME, updates every plugin installed from a registry (one transaction per registry). An update whose \
            permissions changed shows the difference and asks on a terminal; --yes consents for scripts; without a terminal \
            and without --yes it is refused with PERMISSIONS_CHANGED. The version replaced stays on disk for `market rollback`.
            """
    )

    @Argument(help: "The plugin id (default: every installed plugin).")
    var name: String?

    @Flag(help: "Show what would change, and change nothing.")
    var dryRun = false

    @Flag(help: "Consent to changes of permissions.")
    var yes = false

    @OptionGroup var options: RegistryClientOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
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
}

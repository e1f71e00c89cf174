import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market list`
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the installed plugins from market.lock, or with --database the desired state every server converges on."
    )

    @OptionGroup var state: StateOptions

    @Option(help: ArgumentHelp("List the desired plugin state in this database (a postgresql:// URL or libpq connection string), with each server's report and any automatic rollback, instead of this machine's plugins.",
                               valueName: "url"))
    var database: String?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            if let database {
                try await DesiredListing.run(database: database, json: output.json)
                return
            }
            let lock = try LockFile.read(in: state.stateDirectory)
            let entries = lock.plugins.sorted { $0.key < $1.key }
            if output.json {
                printJSON(JSONValue.object(["plugins": .array(entries.map { InstallReport.json($0.key, $0.value) })]).jsonText)
                return
            }
            guard !entries.isEmpty else {
                print("no plugins installed in \(state.stateDirectory.path)")
                return
            }
            let names = Dictionary(try ClientConfig.read(in: state.stateDirectory).registries.map { ($0.url, $0.name) }, uniquingKeysWith: { first, _ in first })
            let width = entries.map { $0.key.count + $0.value.version.count + 1 }.max() ?? 0
            for (id, entry) in entries {
                var notes = [names[entry.registry].map { "from \($0) (\(entry.registry))" } ?? "from \(entry.registry)"]
                if !entry.requested { notes.append("dependency") }
                if let previous = entry.previous { notes.append("rollback to \(previous.version)") }
                print("\("\(id) \(entry.version)".padding(toLength: width, withPad: " ", startingAt: 0))  \(notes.joined(separator: "; "))")
            }
        }
    }
}

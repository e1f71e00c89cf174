import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market outdated`
struct OutdatedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outdated",
        abstract: "Show installed plugins that have newer versions in their registries.",
        discussion: "WANTED is the newest version in the range recorded at install (what `market update` moves to); LATEST the newest release."
    )

    @OptionGroup var options: RegistryClientOptions

    @Flag(help: "List every installed plugin, not only outdated ones.")
    var all = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let installer = Installer(folder: options.stateDirectory, probe: InstallProbe.run)
            // The lock records where each plugin came from; people know the registry by its name.
            let config = try ClientConfig.read(in: options.stateDirectory)
            let found = try await installer.outdated(clients: options.clients).map { entry in
                var named = entry
                named.registry = config.registry(named: entry.registry)?.name ?? entry.registry
                return named
            }
            let shown = all ? found : found.filter { $0.isOutdated || $0.note != nil }
            if output.json {
                printJSON(JSONValue.object(["plugins": .array(shown.map { entry in
                    .object(["id": .string(entry.id), "installed": .string(entry.installed), "wanted": entry.wanted.map(JSONValue.string) ?? .null,
                             "latest": entry.latest.map(JSONValue.string) ?? .null, "registry": .string(entry.registry),
                             "outdated": .bool(entry.isOutdated), "note": entry.note.map(JSONValue.string) ?? .null])
                })]).jsonText)
                return
            }
            guard !shown.isEmpty else {
                print(found.isEmpty ? "no plugins installed" : "every installed plugin is up to date")
                return
            }
            let rows = [["PLUGIN", "INSTALLED", "WANTED", "LATEST", "REGISTRY"]] + shown.map { entry in
                [entry.id, entry.installed, entry.wanted ?? "-", entry.latest ?? "-", entry.note.map { "\(entry.registry) (\($0))" } ?? entry.registry]
            }
            let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                print((0..<4).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  " + row[4])
            }
        }
    }
}

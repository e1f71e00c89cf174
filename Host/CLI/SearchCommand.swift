import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry
import PluginHosting

/// `market search TEXT`
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search a registry's catalog by id, name or summary.",
        discussion: "Example: market search crm --registry https://plugins.example.com --root root.json"
    )

    @Argument(help: "Text to look for (empty lists every plugin).")
    var text = ""

    @OptionGroup var options: RegistryClientOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            var found: [(registry: String, entry: CatalogMetadata.Entry)] = []
            let targets = try options.targets()
            var failures: [MarketError] = []
            for target in targets {
                let name = target.name ?? target.source.location
                do {
                    let client = try options.client(target)
                    let verified = try await client.update()
                    found += try await client.catalog(verified).search(text).map { (name, $0) }.filter { hit in !found.contains { $0.entry.id == hit.1.id } }
                } catch let error as MarketError where targets.count > 1 {
                    // One registry that cannot be read does not hide the others' plugins.
                    failures.append(error)
                    FileHandle.standardError.write(Data("warning: skipped registry \(name): \(error.code): \(TerminalText.escape(error.message))\n".utf8))
                }
            }
            if failures.count == targets.count, let first = failures.first { throw first }
            if output.json {
                printJSON(JSONValue.array(found.map { registry, entry in
                    .object(["id": .string(entry.id), "name": .string(entry.name), "summary": .string(entry.summary), "registry": .string(registry),
                             "latest": .string(entry.latest), "kinds": .array(entry.kinds.map(JSONValue.string))])
                }).jsonText)
                return
            }
            guard !found.isEmpty else {
                print("no plugin matches '\(text)'")
                return
            }
            // Everything in the catalogue is the registry's text: printed escaped.
            let labels = found.map { TerminalText.escape("\($0.entry.id) \($0.entry.latest)") }
            let width = labels.map(\.count).max() ?? 0
            for (label, (_, entry)) in zip(labels, found) {
                print("\(label.padding(toLength: width, withPad: " ", startingAt: 0))  \(TerminalText.escape(entry.summary))")
            }
        }
    }
}

import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market registry add NAME URL --root root.json [--mirror URL]... [--first]`
struct RegistryAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a registry for search, info and install, after the others (or first with --first).",
        discussion: "The registry is read once with its root to check that it verifies; nothing is added if it does not. Mirrors serve the same tree and are tried in order when the registry cannot be reached."
    )

    @Argument(help: "A short name for the registry.")
    var name: String

    @Argument(help: "Where it is: an http(s):// URL, a file:// URL or a folder.")
    var url: String

    @Option(help: "The registry's root.json, obtained from its operator (not needed if this location is already trusted).")
    var root: String?

    @Option(name: .customLong("mirror"), help: "A mirror of the same tree (repeatable).")
    var mirrors: [String] = []

    @Flag(help: "Put it before the registries already added.")
    var first = false

    @OptionGroup var state: StateOptions

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard PluginManifest.isIdentifier(name) else { throw ValidationError("name the registry with 2-64 lower-case letters, digits or '-', e.g. main") }
    }

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let source = try RegistrySource(url)
            let mirrorSources = try mirrors.map(RegistrySource.init)
            let stateFolder = source.stateFolder(in: state.stateDirectory)
            let trustedBefore = FileManager.default.fileExists(atPath: stateFolder.path)
            do {
                let client = try RegistryClient.open(source, mirrors: mirrorSources, stateDirectory: state.stateDirectory, root: root.map { URL(fileURLWithPath: $0) })
                _ = try await client.update()
            } catch {
                if !trustedBefore { try? FileManager.default.removeItem(at: stateFolder) }
                throw error
            }
            let entry = ClientConfig.Registry(name: name, url: source.location, mirrors: mirrorSources.map(\.location))
            let (name, first) = (name, first)
            try ClientConfig.update(in: state.stateDirectory) { config in
                if let existing = config.registries.first(where: { $0.name == name || $0.url == entry.url }) {
                    throw MarketError(.versionExists, "a registry named \(existing.name) at \(existing.url) is already added",
                                      fix: "remove it first with `market registry remove \(existing.name)`")
                }
                if first { config.registries.insert(entry, at: 0) } else { config.registries.append(entry) }
            }
            if output.json {
                printJSON(JSONValue.object(["name": .string(name), "url": .string(entry.url), "mirrors": .array(entry.mirrors.map(JSONValue.string)),
                                            "status": .string("added")]).jsonText)
            } else {
                print("added registry \(name) (\(entry.url))\(entry.mirrors.isEmpty ? "" : " with \(entry.mirrors.count) mirror(s)")")
            }
        }
    }
}

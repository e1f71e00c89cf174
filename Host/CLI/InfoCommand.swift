import ArgumentParser
import MarketCore
import MarketRegistry

/// `market info NAME`
struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show a plugin's versions, platforms, publisher and yanked versions from a registry."
    )

    @Argument(help: "The plugin id.")
    var name: String

    @OptionGroup var options: RegistryClientOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let (_, client, verified) = try await options.registry(having: name)
            let index = try await client.index(name, verified)
            let host = Platform.current
            if output.json {
                printJSON(JSONValue.object([
                    "id": .string(index.id),
                    "versions": .array(index.versions.map { version in
                        .object(["version": .string(version.version), "name": .string(version.name), "summary": .string(version.summary),
                                 "abi": .string(version.abi), "publisher": .string(version.publisher), "permissions": .string(version.permissions),
                                 "platforms": .array(version.artifacts.keys.sorted().map(JSONValue.string)),
                                 "installable": .bool(version.artifact(for: host) != nil),
                                 "grants": version.verifiedPermissions.map { .array(PermissionChange.grants($0).sorted().map(JSONValue.string)) } ?? .null,
                                 "yanked": .bool(version.yanked), "yank_reason": version.yankReason.map(JSONValue.string) ?? .null])
                    }),
                ]).jsonText)
                return
            }
            guard let newest = index.versions.last else {
                print("\(index.id): no versions published")
                return
            }
            // Names, summaries and reasons are the publisher's text: printed escaped.
            print("\(TerminalText.escape(newest.name)) (\(index.id))")
            print("  \(TerminalText.escape(newest.summary))")
            print("kinds:     \(TerminalText.escape(newest.kinds.joined(separator: ", ")))")
            print("this host: \(host)")
            if let permissions = newest.verifiedPermissions {
                let grants = PermissionChange.grants(permissions).sorted()
                print(grants.isEmpty ? "permissions: none (no network, secrets, programs or events)" : "permissions:")
                for grant in grants { print("  \(TerminalText.escape(grant))") }
            } else {
                print("permissions: not listed by this registry (hash \(newest.permissions.prefix(12)))")
            }
            print("versions:")
            for version in index.versions.reversed() {
                var notes = ["abi \(version.abi)", "publisher \(version.publisher)", "for \(version.artifacts.keys.sorted().joined(separator: ", "))"]
                if version.artifact(for: host) == nil { notes.append("no build for this host") }
                if version.yanked { notes.append("YANKED: \(version.yankReason ?? "no reason given")") }
                print("  \(TerminalText.escape(version.version))  \(TerminalText.escape(notes.joined(separator: "; ")))")
            }
        }
    }
}

import ArgumentParser
import MarketStore

/// `market secret list PLUGIN --tenant T`
struct SecretListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the names of a tenant's stored secrets for a plugin, and the names it may have."
    )

    @Argument(help: "The plugin's id.")
    var plugin: String

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let (stored, allowed) = try await options.withStore { store, principal in
                (try await store.secretNames(plugin, tenant: tenant, by: principal), (try? store.allowedSecretNames(plugin)) ?? [])
            }
            if options.output.json {
                try options.output.printJSON(encoding: ["stored": stored, "allowed": allowed])
            } else {
                print(stored.isEmpty ? "no secrets stored for \(plugin) of tenant \(tenant)" : "stored: \(stored.joined(separator: ", "))")
                let missing = allowed.filter { !stored.contains($0) }
                if !missing.isEmpty { print("not set: \(missing.joined(separator: ", "))") }
            }
        }
    }
}

import ArgumentParser
import MarketStore

/// `market enable PLUGIN --tenant T`
struct EnableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable",
        abstract: "Enable an installed plugin for a tenant (its required settings must be configured).",
        discussion: "Example: market enable notes --tenant acme"
    )

    @Argument(help: "The plugin's id.")
    var plugin: String

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let installation = try await options.withStore { store, principal in try await store.enable(plugin, tenant: tenant, by: principal) }
            if options.output.json { try options.output.printJSON(encoding: installation) } else { print("enabled \(plugin) for tenant \(tenant)") }
        }
    }
}

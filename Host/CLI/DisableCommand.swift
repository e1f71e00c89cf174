import ArgumentParser
import MarketStore

/// `market disable PLUGIN --tenant T`
struct DisableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable",
        abstract: "Disable a plugin for a tenant, keeping its config and secrets.",
        discussion: "Example: market disable notes --tenant acme"
    )

    @Argument(help: "The plugin's id.")
    var plugin: String

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let installation = try await options.withStore { store, principal in try await store.disable(plugin, tenant: tenant, by: principal) }
            if options.output.json {
                try options.output.printJSON(encoding: installation)
            } else {
                print(installation == nil ? "tenant \(tenant) has never enabled \(plugin); nothing to do" : "disabled \(plugin) for tenant \(tenant)")
            }
        }
    }
}

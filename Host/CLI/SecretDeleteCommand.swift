import ArgumentParser
import MarketStore

/// `market secret delete PLUGIN NAME --tenant T`
struct SecretDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a secret of a tenant's plugin.")

    @Argument(help: "The plugin's id.")
    var plugin: String

    @Argument(help: "The secret's name.")
    var name: String

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            try await options.withStore { store, principal in try await store.deleteSecret(name, plugin: plugin, tenant: tenant, by: principal) }
            if options.output.json {
                try options.output.printJSON(encoding: ["plugin": plugin, "tenant": tenant, "name": name, "status": "deleted"])
            } else {
                print("deleted secret \(name) of \(plugin) for tenant \(tenant)")
            }
        }
    }
}

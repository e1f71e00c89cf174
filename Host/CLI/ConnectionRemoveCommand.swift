import ArgumentParser
import MarketStore

/// `market connections remove PLUGIN --tenant T`
struct ConnectionRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a tenant's connection for a plugin; the plugin's calls then answer that it is not connected."
    )

    @Argument(help: "The plugin's id.")
    var plugin: String

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            try await options.withConnections { connections, principal in
                try await connections.remove(plugin: plugin, tenant: tenant, by: principal)
            }
            if options.output.json {
                try options.output.printJSON(encoding: ["plugin": plugin, "tenant": tenant, "status": "removed"])
            } else {
                print("removed the connection of \(plugin) for tenant \(tenant)")
            }
        }
    }
}

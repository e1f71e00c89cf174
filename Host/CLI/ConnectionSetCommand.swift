import ArgumentParser
import MarketStore

/// `market connections set PLUGIN --tenant T --api-key|--token` (the value on standard input)
struct ConnectionSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Store an API key or long-lived token as a tenant's connection for a plugin; the value comes from standard input.",
        discussion: """
            The value is never taken from the command line, where other users and the shell history would see it. One \
            trailing newline is dropped; at a terminal it is asked for without echo. It replaces any connection the \
            tenant had for the plugin. Example: printf %s "$AMO_TOKEN" | market connections set amocrm --tenant acme --token
            """
    )

    @Argument(help: "The plugin's id.")
    var plugin: String

    @Option(help: "The tenant.")
    var tenant: String

    @Flag(help: "The value is an API key.")
    var apiKey = false

    @Flag(help: "The value is a long-lived token.")
    var token = false

    @OptionGroup var options: TenantOptions

    func validate() throws {
        guard apiKey != token else { throw ValidationError("give exactly one of --api-key and --token; the value comes from standard input") }
    }

    func run() async throws {
        try await reportingTenantErrors {
            let kind: TenantConnection.Kind = apiKey ? .apiKey : .token
            let value = SecretSetCommand.readValue(name: kind == .apiKey ? "the API key" : "the token")
            let stored = try await options.withConnections { connections, principal in
                try await connections.setCredential(value, kind: kind, plugin: plugin, tenant: tenant, by: principal)
            }
            if options.output.json {
                try options.output.printJSON(encoding: stored)
            } else {
                print("stored the \(kind.rawValue) connection of \(plugin) for tenant \(tenant)")
            }
        }
    }
}

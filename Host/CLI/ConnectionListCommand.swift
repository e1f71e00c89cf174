import ArgumentParser
import Foundation
import MarketStore

/// `market connections list --tenant T`
struct ConnectionListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List a tenant's connections: plugin, kind, status, when the access token expires and why one needs reconnecting."
    )

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let listed = try await options.withConnections { connections, principal in
                try await connections.connections(tenant: tenant, by: principal)
            }
            if options.output.json {
                try options.output.printJSON(encoding: listed)
                return
            }
            guard !listed.isEmpty else {
                print("tenant \(tenant) has no connections; add one with `market connections set PLUGIN --tenant \(tenant) --token`")
                return
            }
            for connection in listed {
                var line = "\(connection.pluginID)  \(connection.kind.rawValue)  \(connection.status.rawValue)"
                if let expires = connection.accessExpiresAt { line += "  expires \(expires.formatted(.iso8601))" }
                if let error = connection.lastError, connection.status == .needsReconnect {
                    line += "  (\(error)); set new credentials with `market connections set \(connection.pluginID) --tenant \(tenant)`"
                }
                print(line)
            }
        }
    }
}

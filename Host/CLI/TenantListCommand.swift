import ArgumentParser
import Foundation
import MarketStore

/// `market tenant list`
struct TenantListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the tenants.")

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let tenants = try await options.withStore { store, principal in try await store.tenants(by: principal) }
            if options.output.json {
                try options.output.printJSON(encoding: tenants)
            } else if tenants.isEmpty {
                print("no tenants yet (market tenant create ID makes one)")
            } else {
                let width = max(2, tenants.map(\.id.count).max() ?? 0)
                print("ID".padding(toLength: width, withPad: " ", startingAt: 0) + "  CREATED               NAME")
                for tenant in tenants {
                    print(tenant.id.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(shortDate(tenant.createdAt))  \(tenant.name)")
                }
            }
        }
    }
}

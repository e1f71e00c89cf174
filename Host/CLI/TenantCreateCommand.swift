import ArgumentParser
import MarketStore

/// `market tenant create ID [--name NAME]`
struct TenantCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a tenant.",
        discussion: "Example: market tenant create acme --name 'Acme Inc'"
    )

    @Argument(help: "The tenant's id: 1–64 of a–z 0–9 _ -, starting with a letter or digit.")
    var id: String

    @Option(help: "A name for people (default: the id).")
    var name: String?

    @OptionGroup var options: TenantOptions

    func validate() throws {
        guard Tenant.isValidID(id) else {
            throw ValidationError("'\(id)' is not a tenant id: use 1–64 of a–z 0–9 _ -, starting with a letter or digit")
        }
    }

    func run() async throws {
        try await reportingTenantErrors {
            let tenant = try await options.withStore { store, principal in try await store.createTenant(id, name: name, by: principal) }
            if options.output.json {
                try options.output.printJSON(encoding: tenant)
            } else {
                print("created tenant \(tenant.id) (\(tenant.name))")
            }
        }
    }
}

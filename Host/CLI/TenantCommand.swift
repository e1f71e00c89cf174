import ArgumentParser

/// `market tenant …`: tenants and their API tokens.
struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant",
        abstract: "Create and list tenants, and make, list and revoke their API tokens.",
        discussion: """
            A tenant is a bot or workspace with plugins, config, secrets, tokens and an audit log of its own. \
            The first command run against a new database also makes the admin token and prints it once.
            """,
        subcommands: [TenantCreateCommand.self, TenantListCommand.self, TenantTokenCommand.self]
    )
}

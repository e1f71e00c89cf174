import ArgumentParser

/// `market connections …`: tenants' connections to their plugins' outside services.
struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "Set, list and remove a tenant's connections to its plugins' services (tokens are stored encrypted and never shown).",
        discussion: """
            A connection is a tenant's credential for a plugin's outside service: an API key, a long-lived token, or \
            OAuth2 tokens that `market serve` refreshes. Plugins read the current token through market.connections/1 \
            and never see a refresh token. See docs/connections.md.
            """,
        subcommands: [ConnectionSetCommand.self, ConnectionAuthorizeCommand.self, ConnectionTestCommand.self, ConnectionListCommand.self, ConnectionRemoveCommand.self]
    )
}

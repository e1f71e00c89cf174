import ArgumentParser

/// `market secret …`: a tenant's plugin secrets, stored encrypted.
struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret",
        abstract: "Set, list and delete a tenant's plugin secrets (stored encrypted; values are never shown).",
        discussion: """
            A plugin may have the secrets its plugin.json names in permissions.secrets and its config fields marked \
            `format: secret`. Values are sealed with AES-GCM under the master key: MARKET_MASTER_KEY (base64 of \
            32 bytes) or <state-dir>/master.key, made on first use with mode 0600; `rotate-key` replaces it.
            """,
        subcommands: [SecretSetCommand.self, SecretListCommand.self, SecretDeleteCommand.self, SecretRotateKeyCommand.self]
    )
}

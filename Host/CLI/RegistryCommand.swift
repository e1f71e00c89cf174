import ArgumentParser

/// `market registry init|build|refresh` (operators) and `add|list|remove` (clients)
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Create, fill and re-sign a registry tree in a local folder; add, list and remove the registries this host uses.",
        subcommands: [RegistryInitCommand.self, RegistryBuildCommand.self, RegistryRefreshCommand.self,
                      RegistryAddCommand.self, RegistryListCommand.self, RegistryRemoveCommand.self]
    )
}

import ArgumentParser

/// `market registry init|build|refresh`
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry",
        abstract: "Create, fill and re-sign a registry tree in a local folder.",
        subcommands: [RegistryInitCommand.self, RegistryBuildCommand.self, RegistryRefreshCommand.self]
    )
}

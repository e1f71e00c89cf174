import ArgumentParser

/// The registry and package commands (`market keygen`, `pack`, `publish`, `install`, …),
/// listed by `MarketCommand`.
let registryCommands: [any ParsableCommand.Type] = [
    KeygenCommand.self, PackCommand.self, PublishCommand.self, YankCommand.self, RegistryCommand.self,
    SearchCommand.self, InfoCommand.self, InstallCommand.self, UninstallCommand.self, ListCommand.self, UpdateCommand.self,
    OutdatedCommand.self, RollbackCommand.self, VerifyCommand.self, TrustCommand.self,
]

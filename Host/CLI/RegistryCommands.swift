import ArgumentParser

/// The registry and package commands (`market keygen`, `pack`, `publish`, `install`, …),
/// listed by `MarketCommand`.
let registryCommands: [any ParsableCommand.Type] = []

import ArgumentParser

/// `market`: the command line of the Market plugin host.
public struct MarketCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "market",
        abstract: "Market: a plugin marketplace host. Load, build and call plugins.",
        version: MarketVersion.current,
        subcommands: [NewCommand.self, PluginCommand.self] + registryCommands + storeCommands + botCommands + telegramCommands
    )

    public init() {}
}

/// The version of the market tool.
public enum MarketVersion {
    public static let current = "0.1.0"
}

extension MarketCommand {
    /// Parses the process's arguments and runs the command, exiting as ArgumentParser does.
    public static func launch() async {
        await main()
    }
}

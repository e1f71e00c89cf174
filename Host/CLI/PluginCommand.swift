import ArgumentParser

/// `market plugin …`: look inside and call a plugin from its folder, without installing it.
struct PluginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin",
        abstract: "Inspect, call, probe and send events to a plugin folder (plugin.json and its library).",
        subcommands: [PluginInspectCommand.self, PluginCallCommand.self, PluginDeliverCommand.self, PluginProbeCommand.self]
    )
}

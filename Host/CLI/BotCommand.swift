import ArgumentParser
import Foundation
import MarketBot

/// `market bot show|set`: a tenant's bot settings (system prompt, model plugin, limits).
struct BotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bot",
        abstract: "Show or change a tenant's bot settings: system prompt, model plugin, context budget, step limit.",
        subcommands: [BotShowCommand.self, BotSetCommand.self]
    )
}

/// `market bot show --tenant T`
struct BotShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a tenant's bot settings.")

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let settings = try await options.withBot { try await $0.conversations.settings(tenant: tenant) }
            print(BotSetCommand.describe(settings))
        }
    }
}

/// `market bot set --tenant T [--system-prompt TEXT] [--model-plugin ID] …`
struct BotSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change a tenant's bot settings; settings not given keep their value.",
        discussion: "Example: market bot set --tenant acme --system-prompt 'You are Acme's helpful shop assistant.' --model-plugin openai"
    )

    @Option(help: "The tenant.")
    var tenant: String

    @Option(help: "The system prompt sent first in every model request (empty for none).")
    var systemPrompt: String?

    @Option(help: "The model-provider plugin to use, or 'auto' for the tenant's only enabled one.")
    var modelPlugin: String?

    @Option(help: "The history's budget in characters (about 4 per token); oldest turns are dropped beyond it.")
    var contextChars: Int?

    @Option(help: "Model calls per reply before the tool loop stops (1–50).")
    var maxSteps: Int?

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let settings = try await options.withBot { context in
                var settings = try await context.conversations.settings(tenant: tenant)
                if let systemPrompt { settings.systemPrompt = systemPrompt }
                if let modelPlugin { settings.modelPlugin = modelPlugin == "auto" ? nil : modelPlugin }
                if let contextChars { settings.contextCharacters = contextChars }
                if let maxSteps { settings.maxSteps = maxSteps }
                try await context.conversations.saveSettings(settings, tenant: tenant)
                return settings
            }
            print(Self.describe(settings))
        }
    }

    static func describe(_ settings: BotSettings) -> String {
        """
        system prompt:  \(settings.systemPrompt.isEmpty ? "(none)" : settings.systemPrompt)
        model plugin:   \(settings.modelPlugin ?? "auto (the only enabled model provider)")
        context budget: \(settings.contextCharacters) characters
        step limit:     \(settings.maxSteps)
        """
    }
}

import Foundation
import MarketCore
import PluginRuntime

/// What the bot says in its own words: help, how to add a model, safe error messages.
enum BotTexts {
    static func noModel(tenant: String) -> String {
        """
        No model is configured for this bot, so it answers slash commands only (send /help to list them).
        To add a model, configure and enable a model-provider plugin, e.g. openai:
          market config openai --tenant \(tenant) model=gpt-4o-mini base_url=https://api.openai.com/v1
          market secret set openai api_key --tenant \(tenant)
          market enable openai --tenant \(tenant)
        (Ollama: base_url=http://localhost:11434/v1 model=llama3.2, no key.)
        """
    }

    static func help(_ tools: [ToolEntry], unavailable: [UnavailablePlugin] = [], hasModel: Bool) -> String {
        var lines = ["Commands:", "  /help — this list", "  /feedback up|down — rate the bot's answers",
                     "  /TOOL key=value … — call a tool directly (quote values with spaces: text=\"two words\")"]
        if tools.isEmpty {
            lines.append("No tools: the tenant has no tool plugins enabled (market enable textkit --tenant …).")
        } else {
            lines.append("Tools (arguments in [ ] are optional; <…> is the value's type):")
            let names = Dictionary(grouping: tools, by: \.name.tool)
            for entry in tools {
                let call = names[entry.name.tool, default: []].count > 1 ? "\(entry.name.plugin).\(entry.name.tool)" : entry.name.tool
                let arguments = entry.arguments.map { $0.required ? " \($0.name)=<\($0.type)>" : " [\($0.name)=<\($0.type)>]" }.joined()
                lines.append("  /\(call)\(arguments) — \(entry.description.isEmpty ? "(no description)" : entry.description) [\(entry.name.plugin)]")
            }
        }
        for plugin in unavailable { lines.append("Unavailable: \(plugin.id) — \(plugin.reason).") }
        if !hasModel { lines.append("No model is configured: plain messages get instructions for adding one.") }
        return lines.joined(separator: "\n")
    }

    /// A tool's failure for the user who typed the slash command: `toolFailed`, then what is
    /// wrong — the fields the host refused, or the plugin's own message, which authors are told
    /// reaches the user (docs/plugin-authors.md). An `INTERNAL` failure's message stays in the
    /// log: it is what a plugin's unexpected error became, not words meant for a user.
    static func commandFailed(_ tool: String, _ error: any Error) -> String {
        let summary = toolFailed(tool, error)
        guard let error = error as? MarketError else { return summary }
        var detail = ""
        if !error.violations.isEmpty {
            detail = error.violations.map(\.description).joined(separator: "\n")
        } else if error.code == .pluginFailed, let failure = error.underlying as? PluginCallFailure, failure.statusName != "INTERNAL" {
            detail = readable(failure.message)
        }
        return detail.isEmpty ? summary : summary + "\n" + detail
    }

    /// A plugin's message made fit for a chat: control characters dropped, at most 500 characters.
    private static func readable(_ message: String) -> String {
        let kept = String(String.UnicodeScalarView(message.unicodeScalars.filter { $0 == "\n" || $0.properties.generalCategory != .control }))
        let trimmed = kept.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.count > 500 ? String(trimmed.prefix(500)) + "…" : trimmed
    }

    /// A tool's failure in words safe for any user: the kind of failure and its code, never
    /// the plugin's own message (which may carry paths, hosts or data). The model path's
    /// notices use it; the model gets the message instead.
    static func toolFailed(_ tool: String, _ error: any Error) -> String {
        let code = errorCode(error)
        let what = switch code {
        case "TIMEOUT": "took too long"
        case "INVALID_ARGUMENT": "did not accept its arguments (see /help)"
        case "NOT_FOUND": "found nothing to work on"
        case "PERMISSION_DENIED": "is not allowed to do that"
        case "RATE_LIMITED", "UNAVAILABLE": "is unavailable right now; try again later"
        default: "failed"
        }
        return "⚠️ The tool \(tool) \(what) (\(code))."
    }

    static func modelFailed(_ plugin: String, _ error: any Error) -> String {
        let code = errorCode(error)
        let what = switch code {
        case "TIMEOUT": "took too long to answer"
        case "RATE_LIMITED": "is busy (rate limited)"
        case "UNAUTHENTICATED": "refused the bot's credentials; the operator must check the API key"
        case "CONTEXT_TOO_LONG": "got too long a conversation; lower the bot's context budget"
        default: "could not answer"
        }
        return "⚠️ The model (\(plugin)) \(what) (\(code)). Slash commands still work: send /help."
    }

    static func stepLimit(_ steps: Int) -> String {
        "⚠️ I stopped after \(steps) steps without a final answer; ask again, or more simply."
    }

    /// The stable code of an error: the plugin's status for a plugin failure, else the
    /// `MarketError` code.
    static func errorCode(_ error: any Error) -> String {
        guard let error = error as? MarketError else { return "INTERNAL" }
        if error.code == .pluginFailed, let failure = error.underlying as? PluginCallFailure { return failure.statusName }
        return error.code.rawValue
    }
}

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

    static func help(_ tools: [ToolEntry], hasModel: Bool) -> String {
        var lines = ["Commands:", "  /help — this list", "  /feedback up|down — rate the bot's answers",
                     "  /TOOL key=value … — call a tool directly (quote values with spaces: text=\"two words\")"]
        if tools.isEmpty {
            lines.append("No tools: the tenant has no tool plugins enabled (market enable textkit --tenant …).")
        } else {
            lines.append("Tools:")
            let names = Dictionary(grouping: tools, by: \.name.tool)
            for entry in tools {
                let call = names[entry.name.tool, default: []].count > 1 ? "\(entry.name.plugin).\(entry.name.tool)" : entry.name.tool
                let arguments = entry.argumentNames.map { " \($0)=…" }.joined()
                lines.append("  /\(call)\(arguments) — \(entry.description.isEmpty ? "(no description)" : entry.description) [\(entry.name.plugin)]")
            }
        }
        if !hasModel { lines.append("No model is configured: plain messages get instructions for adding one.") }
        return lines.joined(separator: "\n")
    }

    /// A tool's failure in words safe for any user: the kind of failure and its code, never
    /// the plugin's own message (which may carry paths, hosts or data).
    static func toolFailed(_ tool: String, _ error: any Error) -> String {
        let code = errorCode(error)
        let what = switch code {
        case "TIMEOUT": "took too long"
        case "INVALID_ARGUMENT", "INVALID_ARGUMENTS": "did not accept its arguments (see /help)"
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

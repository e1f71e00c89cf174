import Foundation
import Logging
import MarketCore
import PluginHosting
import PluginRuntime

extension ConversationEngine {
    /// Runs a slash command; works with no model configured.
    func run(_ command: SlashCommand, _ turn: Turn) async throws -> Reply {
        switch command {
        case .help:
            let libraries = turn.setup.plugins
            let tools = await toolset(tenant: turn.tenant, libraries: libraries, unavailable: turn.setup.unavailable)
            let hasModel = libraries.contains { $0.library.manifest.kinds.contains(.model) }
            return try await finish(turn, text: BotTexts.help(tools.entries, unavailable: tools.unavailable, hasModel: hasModel), steps: 0)
        case .feedback(let up):
            try await conversations.recordFeedback(up: up, conversation: turn.conversation, tenant: turn.tenant,
                                                   userID: turn.address.userID, assignment: turn.assignment)
            publish(BotEventType.feedbackReceived, turn, ["value": .string(up ? "up" : "down"), "user_id": .string(turn.address.userID)])
            return try await finish(turn, text: up ? "Thanks for the 👍." : "Thanks; noted 👎.", steps: 0)
        case .tool(let name, let arguments):
            let tools = await toolset(tenant: turn.tenant, libraries: turn.setup.plugins, unavailable: turn.setup.unavailable)
            let entry: ToolEntry
            do {
                entry = try tools.forCommand(name)
            } catch let error as MarketError {
                return try await finish(turn, text: "\(error.message). \(error.fix)", steps: 0)
            }
            let outcome = await callTool(entry, arguments: JSONValue.object(arguments).jsonText, turn, via: "command")
            switch outcome {
            case .success(let result):
                return try await finish(turn, text: Self.pretty(result), steps: 0)
            case .failure(let error):
                return try await finish(turn, text: BotTexts.commandFailed(entry.name.tool, error), steps: 0)
            }
        }
    }

    /// Calls one tool within the reply's deadline and publishes `tool.called`, naming the
    /// library build that ran it.
    func callTool(_ entry: ToolEntry, arguments: String, _ turn: Turn, via: String) async -> Result<String, any Error> {
        let started = ContinuousClock.now
        let remaining = turn.deadline - started
        let outcome: Result<String, any Error>
        var library: LibraryIdentity?
        if remaining <= .zero {
            outcome = .failure(MarketError(.timeout, "the reply's deadline passed before \(entry.name) was called"))
        } else {
            let called = await entry.serving.callTool(entry.name.tool, arguments: arguments, context: turn.callContext,
                                                      timeout: min(limits.toolTimeout, remaining))
            outcome = called.result
            library = called.library
        }
        var data: [String: JSONValue] = [
            "plugin": .string(entry.name.plugin), "tool": .string(entry.name.tool), "via": .string(via),
            "ok": .bool((try? outcome.get()) != nil), "latency_ms": .integer(Int64((ContinuousClock.now - started).inMilliseconds)),
        ]
        if let library { data.merge(library.eventData) { $1 } }
        if case .failure(let error) = outcome {
            data["error_code"] = .string(BotTexts.errorCode(error))
            logger.info("tool call failed", metadata: ["tenant": .string(turn.tenant), "tool": .string(entry.name.description),
                                                       "error": .string("\(error)")])
        }
        publish(BotEventType.toolCalled, turn, data)
        return outcome
    }

    /// A tool's JSON result laid out for people.
    static func pretty(_ json: String) -> String {
        JSONLayout.indented(json) ?? json
    }
}

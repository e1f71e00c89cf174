import Foundation
import Logging
import MarketCore
import PluginHosting
import PluginRuntime
import Synchronization

extension ConversationEngine {
    /// Answers with the model: a tool loop of at most the tenant's step limit, within the
    /// reply's deadline, streaming the text as it comes.
    func answerWithModel(_ turn: Turn) async throws -> Reply {
        let settings = turn.setup.settings
        let model: ModelChoice?
        do {
            model = try await modelChoice(tenant: turn.tenant, snapshot: turn.setup, assignment: turn.assignment)
        } catch let error as MarketError where error.code == .modelAmbiguous || error.code == .modelNotEnabled {
            return try await finish(turn, text: "\(error.message). \(error.fix)", steps: 0)
        } catch {
            publish(BotEventType.llmFailed, turn, ["plugin": .string(settings.modelPlugin ?? ""), "error_code": .string(BotTexts.errorCode(error)),
                                                              "step": .number(1)])
            logger.error("the model provider did not start", metadata: ["tenant": .string(turn.tenant), "error": .string("\(error)")])
            return try await finish(turn, text: BotTexts.modelFailed(settings.modelPlugin ?? "model", error), steps: 0)
        }
        guard let model else { return try await finish(turn, text: BotTexts.noModel(tenant: turn.tenant), steps: 0) }
        let tools = await toolset(tenant: turn.tenant, libraries: turn.setup.plugins)
        let budget = ContextBudget(characters: settings.contextCharacters)
        // The conversation before this reply; the reply's own messages follow it from the journal.
        let earlier = try await conversations.recentHistory(conversation: turn.conversation, tenant: turn.tenant, budget: settings.contextCharacters)

        // Whether an earlier step showed text: the next step's text starts a new paragraph, so
        // "Counting." before a tool call and the answer after it do not run together.
        var shownText = false
        for step in 1...settings.maxSteps {
            let separator = shownText ? Self.stepSeparator : ""
            // The first call needs nothing committed (its history is in memory): a plain answer is
            // one commit, at its end. Tools' results are committed before the next call.
            if step > 1 { try await commit(turn) }
            let history = earlier + turn.journal.messages
            let request = Self.request(system: settings.systemPrompt, history: budget.trim(history, system: settings.systemPrompt),
                                       tools: tools.requestTools, model: model)
            let started = ContinuousClock.now
            let remaining = turn.deadline - started
            let streamed = StreamedText()
            let completion: ModelAnswer
            var library: [String: JSONValue] = [:]
            do {
                guard remaining > .zero else { throw MarketError(.timeout, "the reply's deadline passed") }
                let timeout = min(limits.modelTimeout, remaining)
                let called = await model.serving.run { instance in
                    try await instance.complete(request: request, context: turn.callContext, timeout: timeout) { delta in
                        if let text = ModelAnswer.content(ofDelta: delta), !text.isEmpty {
                            if streamed.text.isEmpty && !separator.isEmpty { turn.onChunk(.text(separator)) }
                            streamed.append(text)
                            turn.onChunk(.text(text))
                        }
                        return true
                    }
                }
                library = called.library.eventData
                let result = try called.get()
                completion = try ModelAnswer(resultJSON: result.resultJSON)
            } catch {
                let latency = (ContinuousClock.now - started).inMilliseconds
                publish(BotEventType.llmFailed, turn, ["plugin": .string(model.plugin), "error_code": .string(BotTexts.errorCode(error)),
                                                                 "step": .integer(Int64(step)), "latency_ms": .integer(Int64(latency))]
                                                                 .merging(library) { $1 })
                logger.warning("model call failed", metadata: ["tenant": .string(turn.tenant), "plugin": .string(model.plugin), "error": .string("\(error)")])
                let text = BotTexts.modelFailed(model.plugin, error)
                // Whatever was streamed before the failure stays; the notice follows it.
                turn.notice(text)
                return try await finish(turn, text: streamed.text.isEmpty ? text : streamed.text + "\n" + text, steps: step, streamed: true)
            }
            let latency = (ContinuousClock.now - started).inMilliseconds
            let usage = ConversationStore.Usage(promptTokens: completion.promptTokens, completionTokens: completion.completionTokens,
                                                latencyMilliseconds: latency)
            publish(BotEventType.llmCompleted, turn, [
                "plugin": .string(model.plugin), "model": completion.model.map(JSONValue.string) ?? .null, "step": .integer(Int64(step)),
                "latency_ms": .integer(Int64(latency)), "finish_reason": .string(completion.finishReason),
                "prompt_tokens": completion.promptTokens.map { .integer(Int64($0)) } ?? .null,
                "completion_tokens": completion.completionTokens.map { .integer(Int64($0)) } ?? .null,
                "tool_calls": .integer(Int64(completion.toolCalls.count)),
            ].merging(library) { $1 })
            if completion.toolCalls.isEmpty {
                // A model that streams nothing still has its text in the result.
                if streamed.text.isEmpty && !completion.content.isEmpty { turn.onChunk(.text(separator + completion.content)) }
                return try await finish(turn, text: completion.content, steps: step, streamed: true, usage: usage)
            }
            if !completion.content.isEmpty && streamed.text.isEmpty { turn.onChunk(.text(separator + completion.content)) }
            shownText = shownText || !streamed.text.isEmpty || !completion.content.isEmpty
            turn.journal.append(ChatMessage(role: .assistant, content: completion.content, toolCalls: completion.toolCalls), usage: usage)
            for call in completion.toolCalls {
                turn.journal.append(await toolResult(call, tools: tools, turn))
            }
        }
        let text = BotTexts.stepLimit(settings.maxSteps)
        turn.notice(text)
        return try await finish(turn, text: text, steps: settings.maxSteps, streamed: true)
    }

    /// Goes between the text of two model steps (a paragraph break in every channel).
    static let stepSeparator = "\n\n"

    /// Runs one tool call the model made and returns the tool message for the history: the
    /// result, or an error result the model can act on (the user gets a safe notice).
    private func toolResult(_ call: ToolCall, tools: Toolset, _ turn: Turn) async -> ChatMessage {
        func failure(_ code: String, _ message: String) -> ChatMessage {
            ChatMessage(role: .tool, content: JSONValue.object(["error": .object(["code": .string(code), "message": .string(message)])]).jsonText,
                        toolCallID: call.id, toolError: true)
        }
        guard let entry = tools.forModel(named: call.name) else {
            turn.notice("⚠️ The model asked for a tool this bot does not have (\(call.name.prefix(64))).")
            return failure("TOOL_NOT_FOUND", "there is no tool named \(call.name); use one of the tools listed in the request")
        }
        guard case .object? = try? JSONValue(parsing: call.arguments.isEmpty ? "{}" : call.arguments) else {
            turn.notice(BotTexts.toolFailed(entry.name.tool, MarketError(.invalidArgument, "")))
            return failure(MarketError.Code.invalidArgument.rawValue, "the arguments are not a JSON object; send them as {\"name\": value}")
        }
        switch await callTool(entry, arguments: call.arguments.isEmpty ? "{}" : call.arguments, turn, via: "model") {
        case .success(let result):
            return ChatMessage(role: .tool, content: result, toolCallID: call.id)
        case .failure(let error):
            turn.notice(BotTexts.toolFailed(entry.name.tool, error))
            // The model sees the plugin's own message so it can correct its call; the user does not.
            let message = (error as? MarketError).map { ($0.underlying as? PluginCallFailure)?.message ?? $0.message } ?? "the tool failed"
            return failure(BotTexts.errorCode(error), message)
        }
    }

    /// The chat-completions request for one step.
    static func request(system: String, history: [ChatMessage], tools: [JSONValue], model: ModelChoice) -> String {
        request(system: system, history: history, tools: tools, modelName: model.model, parameters: model.parameters)
    }

    /// The chat-completions body: the model's parameters, its name if chosen, the system prompt
    /// and the history as messages, and the tools.
    static func request(system: String, history: [ChatMessage], tools: [JSONValue], modelName: String?, parameters: [String: JSONValue]) -> String {
        var body = parameters
        // The messages are spliced in from each message's own text, written once: the body is
        // written with a marker in their place, which the marker's quoted text then gives way to.
        body["messages"] = .string(messagesMarker)
        if let modelName { body["model"] = .string(modelName) }
        if !tools.isEmpty {
            body["tools"] = .array(tools)
            body["tool_choice"] = .string("auto")
        }
        var messages = "["
        messages.reserveCapacity(history.reduce(system.utf8.count + 64) { $0 + $1.requestText.utf8.count + 1 })
        if !system.isEmpty { messages += ChatMessage(role: .system, content: system).requestText }
        for (index, message) in history.enumerated() {
            if index > 0 || !system.isEmpty { messages += "," }
            messages += message.requestText
        }
        messages += "]"
        let text = JSONValue.object(body).jsonText
        // Found with its key: inside a string value the key's quotes would be escaped.
        guard let marker = text.range(of: markedMember) else { return text }
        return text.replacingCharacters(in: marker, with: #""messages":"# + messages)
    }

    /// Stands for the messages while the rest of the body is written.
    private static let messagesMarker = "\u{1}market-messages\u{1}"
    private static let markedMember = #""messages":"# + JSONValue.string(messagesMarker).jsonText
}

/// The text streamed so far, written from the plugin's thread and read after the call.
final class StreamedText: Sendable {
    private let storage = Mutex("")
    func append(_ piece: String) { storage.withLock { $0 += piece } }
    var text: String { storage.withLock { $0 } }
}

/// A model's result (market/model.h's result shape), read.
struct ModelAnswer: Sendable {
    let content: String
    let toolCalls: [ToolCall]
    let finishReason: String
    let model: String?
    let promptTokens: Int?
    let completionTokens: Int?

    init(resultJSON: String) throws {
        let result = try JSONValue(parsing: resultJSON)
        guard let message = result["message"] else {
            throw MarketError(.invalidResult, "the model's result has no message", fix: "the provider must return market/model.h's result shape")
        }
        content = if case .string(let text)? = message["content"] { text } else { "" }
        toolCalls = if case .array(let calls)? = message["tool_calls"] { calls.compactMap(ToolCall.init(json:)) } else { [] }
        finishReason = if case .string(let reason)? = result["finish_reason"] { reason } else { "stop" }
        model = if case .string(let name)? = result["model"] { name } else { nil }
        func count(_ key: String) -> Int? { result["usage"]?[key]?.integerValue.map { Int($0) } }
        promptTokens = count("prompt_tokens")
        completionTokens = count("completion_tokens")
    }

    /// The text of one streamed delta, if it carries any.
    static func content(ofDelta delta: String) -> String? {
        guard case .string(let text)? = (try? JSONValue(parsing: delta))?["content"] else { return nil }
        return text
    }
}

import MarketCore
@testable import MarketBot
import Testing

/// The model's request is spliced from each message's text written once; it must be the very
/// body written whole from the same values.
@Suite struct ModelRequestTests {
    static let history = [
        ChatMessage(role: .user, content: "Ciao \"amico\" / 🙂 \u{1}market-messages\u{1}"),
        ChatMessage(role: .assistant, content: "", toolCalls: [ToolCall(id: "call_1", name: "crm__find_contact", arguments: #"{"phone":"+7 916"}"#)]),
        ChatMessage(role: .tool, content: #"{"contacts":[]}"#, toolCallID: "call_1"),
        ChatMessage(role: .tool, content: #"{"error":{"code":"X"}}"#, toolCallID: "call_2", toolError: true),
        ChatMessage(role: .assistant, content: "Nobody.\nTry again?", toolCalls: [ToolCall(id: "c", name: "a", arguments: "not json")]),
    ]

    /// How the body was written before the messages' text was kept.
    static func whole(system: String, history: [ChatMessage], tools: [JSONValue], modelName: String?, parameters: [String: JSONValue]) -> String {
        var messages: [JSONValue] = []
        if !system.isEmpty { messages.append(ChatMessage(role: .system, content: system).requestJSON) }
        messages += history.map(\.requestJSON)
        var body = parameters
        body["messages"] = .array(messages)
        if let modelName { body["model"] = .string(modelName) }
        if !tools.isEmpty {
            body["tools"] = .array(tools)
            body["tool_choice"] = .string("auto")
        }
        return JSONValue.object(body).jsonText
    }

    @Test(arguments: [
        ("", [:]),
        ("Be brief.", ["temperature": .number(0.2), "max_tokens": .integer(300)]),
        // A parameter holding what stands for the messages, before and after "messages" in key order.
        ("S", ["a_stop": .string("\u{1}market-messages\u{1}"), "z": .array([.string(#""messages":"\u0001"#)])]),
    ] as [(String, [String: JSONValue])])
    func theSplicedBodyIsTheBodyWrittenWhole(system: String, parameters: [String: JSONValue]) throws {
        let tools: [JSONValue] = [.object(["type": .string("function"), "function": .object(["name": .string("crm__find_contact")])])]
        for (history, tools, name) in [(Self.history, tools, "gpt-x" as String?), ([], [], nil), (Array(Self.history.prefix(1)), [], "m")] {
            let spliced = ConversationEngine.request(system: system, history: history, tools: tools, modelName: name, parameters: parameters)
            #expect(spliced == Self.whole(system: system, history: history, tools: tools, modelName: name, parameters: parameters))
            #expect(try JSONValue(parsing: spliced)["messages"] != nil)
        }
    }
}

import Foundation
import MarketCore
import MarketTestSupport
import PluginRuntime
import Synchronization
import Testing

/// The `anthropic` model provider against a loopback server speaking the Messages API: the
/// request translated from the OpenAI shape, stream events turned back into OpenAI deltas,
/// tool use, errors and retries.
@Suite(.serialized) struct AnthropicPluginTests {
    func provider(_ server: FakeModelServer, model: String, key: String? = "sk-ant-test") async throws -> ModelProvider {
        try await ModelProvider.start("anthropic", config: #"{"base_url":"\#(server.root)","model":"\#(model)","max_tokens":300,"max_retries":2}"#, key: key)
    }

    /// A conversation in the OpenAI shape with a system prompt, an earlier tool round trip and tools.
    static let conversation = #"""
    {"messages":[
      {"role":"system","content":"Be brief."},
      {"role":"user","content":"Count words"},
      {"role":"assistant","content":null,"tool_calls":[{"id":"toolu_0","type":"function","function":{"name":"word_count","arguments":"{\"text\":\"a b\"}"}}]},
      {"role":"tool","tool_call_id":"toolu_0","content":"{\"words\":2}"},
      {"role":"user","content":"And now?"}],
     "tools":[{"type":"function","function":{"name":"word_count","description":"Count words.","parameters":{"type":"object","properties":{"text":{"type":"string"}}}}}],
     "tool_choice":"required"}
    """#

    func streamed(_ provider: ModelProvider, request: String = conversation) async throws -> (deltas: [JSONValue], result: JSONValue) {
        try await provider.streamed(request)
    }

    @Test func theRequestIsTranslatedToTheMessagesAPI() async throws {
        let server = try await FakeModelServer.start()
        let provider = try await provider(server, model: "text")
        _ = try await streamed(provider)
        let sent = try #require(try await server.requests().last)
        #expect(sent["path"] == .string("/v1/messages"))
        #expect(sent["x-api-key"] == .string("sk-ant-test"))
        #expect(sent["anthropic-version"] == .string("2023-06-01"))
        let body = try #require(sent["body"])
        #expect(body["system"] == .string("Be brief."))
        #expect(body["max_tokens"] == .number(300))
        #expect(body["stream"] == .bool(true))
        #expect(body["tool_choice"] == .object(["type": .string("any")]))
        #expect(body["tools"] == .array([.object(["name": .string("word_count"), "description": .string("Count words."),
                                                  "input_schema": .object(["type": .string("object"),
                                                                           "properties": .object(["text": .object(["type": .string("string")])])])])]))
        guard case .array(let turns)? = body["messages"] else {
            Issue.record("no messages in \(body)")
            return
        }
        // user, assistant (tool_use), user (tool_result + the next question merged): roles alternate.
        #expect(turns.map { $0["role"] } == [.string("user"), .string("assistant"), .string("user")])
        #expect(turns[1]["content"] == .array([.object(["type": .string("tool_use"), "id": .string("toolu_0"), "name": .string("word_count"),
                                                        "input": .object(["text": .string("a b")])])]))
        #expect(turns[2]["content"] == .array([
            .object(["type": .string("tool_result"), "tool_use_id": .string("toolu_0"), "content": .string(#"{"words":2}"#)]),
            .object(["type": .string("text"), "text": .string("And now?")]),
        ]))
        await provider.close()
    }

    @Test func streamedTextArrivesAsOpenAIDeltasWithUsage() async throws {
        let server = try await FakeModelServer.start()
        let provider = try await provider(server, model: "text")
        let (deltas, result) = try await streamed(provider)
        #expect(deltas.compactMap { if case .string(let text)? = $0["content"] { text } else { nil } } == ["Hel", "lo!"])
        #expect(result["message"]?["content"] == .string("Hello!"))
        #expect(result["finish_reason"] == .string("stop"))
        #expect(result["usage"] == .object(["prompt_tokens": .number(21), "completion_tokens": .number(9), "total_tokens": .number(30)]))
        await provider.close()
    }

    @Test func toolUseBecomesToolCalls() async throws {
        let server = try await FakeModelServer.start()
        let provider = try await provider(server, model: "tools")
        let (_, streamedResult) = try await streamed(provider)
        let expected = JSONValue.array([.object(["id": .string("toolu_1"), "type": .string("function"),
                                                 "function": .object(["name": .string("word_count"), "arguments": .string(#"{"text": "one two"}"#)])])])
        #expect(streamedResult["message"]?["tool_calls"] == expected)
        #expect(streamedResult["message"]?["content"] == .string("Let me count."))
        #expect(streamedResult["finish_reason"] == .string("tool_calls"))
        // Without streaming the same answer comes whole (its arguments re-encoded compactly).
        let whole = try JSONValue(parsing: try await provider.instance.complete(request: Self.conversation).resultJSON)
        #expect(whole["message"]?["tool_calls"]?.jsonText.contains(#"{\"text\":\"one two\"}"#) == true)
        #expect(whole["finish_reason"] == .string("tool_calls"))
        await provider.close()
    }

    @Test func anOverloadedServerIsRetried() async throws {
        let server = try await FakeModelServer.start()
        let provider = try await provider(server, model: "flaky")
        let (_, result) = try await streamed(provider)
        #expect(result["message"]?["content"] == .string("Hello!"))
        #expect(try await server.requests().count == 2)
        await provider.close()
    }

    @Test(arguments: [("rate-limited", "RATE_LIMITED"), ("unauthorized", "UNAUTHENTICATED"), ("context", "CONTEXT_TOO_LONG"),
                      ("mid-stream", "UNAVAILABLE")])
    func errorsMapToTheirStatus(model: String, status: String) async throws {
        let server = try await FakeModelServer.start()
        let provider = try await provider(server, model: model, key: model == "unauthorized" ? "wrong" : "sk-ant-test")
        let error = await expectError(.pluginFailed) { try await streamed(provider) }
        #expect((error?.underlying as? PluginCallFailure)?.statusName == status, "\(String(describing: error))")
        if model == "rate-limited" { #expect(error?.message.contains("retry after 7000 ms") == true) }
        // A stream that failed after sending deltas is not repeated.
        if model == "mid-stream" { #expect(try await server.requests().count == 1) }
        await provider.close()
    }
}

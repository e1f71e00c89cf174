import Foundation
import MarketCore
import MarketTestSupport
import PluginRuntime
import Synchronization
import Testing

/// The `openai` model provider against a loopback server speaking the chat-completions
/// protocol: SSE streaming, tool-call fragments, usage, errors and retries.
@Suite(.serialized) struct OpenAIPluginTests {
    /// Tests/Fixtures/fake-llm/server.py on an ephemeral loopback port.
    func provider(_ server: FakeModelServer, model: String, retries: Int = 2, key: String? = "sk-test") async throws -> ModelProvider {
        try await ModelProvider.start("openai", config: #"{"base_url":"\#(server.root)/v1/","model":"\#(model)","max_retries":\#(retries),"extra_headers":{"x-extra":"yes"}}"#, key: key)
    }

    static let question = #"{"messages":[{"role":"user","content":"Say hello"}]}"#

    func streamed(_ provider: ModelProvider, request: String = question) async throws -> (deltas: [JSONValue], result: JSONValue) {
        try await provider.streamed(request)
    }

    @Test func aStreamedAnswerArrivesInPiecesWithUsage() async throws {
        let server = try await FakeModelServer.start()
        let provider = try await provider(server, model: "text")
        let (deltas, result) = try await streamed(provider)
        #expect(deltas.compactMap { if case .string(let text)? = $0["content"] { text } else { nil } }.joined() == "Hello!")
        #expect(result["message"]?["content"] == .string("Hello!"))
        #expect(result["finish_reason"] == .string("stop"))
        #expect(result["usage"]?["prompt_tokens"] == .number(11))
        let sent = try #require(try await server.requests().last)
        #expect(sent["body"]?["model"] == .string("text"))
        #expect(sent["body"]?["stream"] == .bool(true))
        #expect(sent["body"]?["stream_options"]?["include_usage"] == .bool(true))
        #expect(sent["authorization"] == .string("Bearer sk-test"))
        #expect(sent["x-extra"] == .string("yes"))
        await provider.close()
    }

    @Test func toolCallFragmentsAreAssembledByIndex() async throws {
        let server = try await FakeModelServer.start()
        let provider = try await provider(server, model: "tools")
        let (deltas, result) = try await streamed(provider)
        #expect(deltas.contains { $0["tool_calls"] != nil })
        #expect(result["finish_reason"] == .string("tool_calls"))
        #expect(result["message"]?["content"] == .null)
        let calls = result["message"]?["tool_calls"]
        #expect(calls == .array([
            .object(["id": .string("call_a"), "type": .string("function"),
                     "function": .object(["name": .string("word_count"), "arguments": .string(#"{"text":"one two"}"#)])]),
            .object(["id": .string("call_b"), "type": .string("function"),
                     "function": .object(["name": .string("roll"), "arguments": .string(#"{"count":2}"#)])]),
        ]))
        await provider.close()
    }

    @Test func withoutAStreamTheWholeAnswerComesAtOnce() async throws {
        let server = try await FakeModelServer.start()
        let provider = try await provider(server, model: "tools")
        let result = try JSONValue(parsing: try await provider.instance.complete(request: Self.question).resultJSON)
        guard case .array(let calls)? = result["message"]?["tool_calls"] else {
            Issue.record("no tool calls in \(result)")
            return
        }
        #expect(calls.count == 2)
        #expect(try await server.requests().last?["body"]?["stream"] == .bool(false))
        await provider.close()
    }

    @Test func aServerErrorIsRetriedAndTheSecondAnswerUsed() async throws {
        let server = try await FakeModelServer.start()
        let provider = try await provider(server, model: "flaky")
        let (_, result) = try await streamed(provider)
        #expect(result["message"]?["content"] == .string("Hello!"))
        #expect(try await server.requests().count == 2)
        await provider.close()
    }

    @Test func aRateLimitCarriesTheServersDelay() async throws {
        let server = try await FakeModelServer.start()
        let provider = try await provider(server, model: "rate-limited")
        let error = await expectError(.pluginFailed) { try await streamed(provider) }
        #expect((error?.underlying as? PluginCallFailure)?.statusName == "RATE_LIMITED")
        #expect(error?.message.contains("retry after 7000 ms") == true)
        // Seven seconds is longer than the provider waits on its own: one request, no retry.
        #expect(try await server.requests().count == 1)
        await provider.close()
    }

    @Test func anErrorMidStreamFailsTheCallAfterTheDeltasSent() async throws {
        let server = try await FakeModelServer.start()
        let provider = try await provider(server, model: "mid-stream")
        let deltas = Mutex<Int>(0)
        let error = await expectError(.pluginFailed) {
            try await provider.instance.complete(request: Self.question) { _ in
                deltas.withLock { $0 += 1 }
                return true
            }
        }
        #expect((error?.underlying as? PluginCallFailure)?.statusName == "UPSTREAM")
        #expect(error?.message.contains("The model crashed") == true)
        #expect(deltas.withLock { $0 } == 2)
        #expect(try await server.requests().count == 1)
        await provider.close()
    }

    @Test(arguments: [("unauthorized", "UNAUTHENTICATED"), ("context", "CONTEXT_TOO_LONG")])
    func errorsMapToTheirStatus(model: String, status: String) async throws {
        let server = try await FakeModelServer.start()
        let provider = try await provider(server, model: model, key: nil)
        let error = await expectError(.pluginFailed) { try await streamed(provider) }
        #expect((error?.underlying as? PluginCallFailure)?.statusName == status, "\(String(describing: error))")
        await provider.close()
    }

    @Test func aRequestWithoutMessagesIsRefusedBeforeAnythingIsSent() async throws {
        let server = try await FakeModelServer.start()
        let provider = try await provider(server, model: "text")
        let error = await expectError(.pluginFailed) { try await provider.instance.complete(request: #"{"prompt":"hi"}"#) }
        #expect((error?.underlying as? PluginCallFailure)?.statusName == "INVALID_ARGUMENT")
        #expect(try await server.requests().isEmpty)
        await provider.close()
    }
}

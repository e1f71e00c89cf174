import Foundation
import MarketCore
import MarketTestSupport
import PluginRuntime
import Synchronization
import Testing

/// The `openai` provider's streaming fast path: a plain text chunk is recognised without full
/// parsing and its delta forwarded byte for byte; every other chunk is parsed in full. The fake
/// server's `replay` scenario streams chunks exactly as a test writes them, so each case shows
/// which path was taken (verbatim bytes, or Foundation's re-serialisation) and that both paths
/// give the host and the final result the same thing.
@Suite(.serialized) struct OpenAIFastPathTests {
    /// A chunk as OpenAI streams it, with `delta` (JSON text) as the one choice's delta.
    /// `choiceExtra` adds members to the choice; a non-null one forces the full parse.
    static func chunk(delta: String, choiceExtra: String = "", model: String = #""gpt-4o-mini""#, top: String = "") -> String {
        #"{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1700000000,"model":\#(model),"system_fingerprint":"fp_1",\#(top)"choices":[{"index":0,"delta":\#(delta),"logprobs":null,\#(choiceExtra)"finish_reason":null}]}"#
    }

    /// The same chunk, made to take the full parse without changing what it means for the delta.
    static func forcedFullParse(delta: String) -> String {
        chunk(delta: delta, choiceExtra: #""content_filter_results":{"hate":{"filtered":false}},"#)
    }

    /// Streams `chunks` through the plugin; returns the deltas as the host's sink got them.
    func replay(_ chunks: [String]) async throws -> (deltas: [String], result: JSONValue) {
        let server = try await FakeModelServer.start()
        let provider = try await ModelProvider.start("openai", config: #"{"base_url":"\#(server.root)/v1","model":"replay"}"#, key: nil)
        let list = String(decoding: try JSONSerialization.data(withJSONObject: chunks), as: UTF8.self)
        let request = String(decoding: try JSONSerialization.data(withJSONObject: ["messages": [["role": "user", "content": list]]]), as: UTF8.self)
        let outcome = try await provider.streamedRaw(request)
        await provider.close()
        return outcome
    }

    /// Text written every way JSON allows: escapes of each kind, \u escapes, a surrogate pair,
    /// raw UTF-8, an escaped NUL, the empty string.
    static let contents = [
        #""Hel""#, #""""#, #""say \"hi\"""#, #""back\\slash and a\/slash""#, #""tab\there\nline\r\n\b\f""#,
        #""caf\u00e9 \u4E2D\u6587""#, #""\ud83d\ude00 smile""#, #""raw é 中文 😀""#, #""nul\u0000byte""#, #""  spaced  ""#,
    ]

    @Test func aPlainTextChunkIsForwardedVerbatimAndAgreesWithTheFullParse() async throws {
        let fast = Self.contents.map { Self.chunk(delta: #"{"content":\#($0)}"#) }
        let full = Self.contents.map { Self.forcedFullParse(delta: #"{"content":\#($0)}"#) }
        let (deltas, result) = try await replay(fast + full)
        try #require(deltas.count == 2 * Self.contents.count)
        var texts = ""
        for (index, content) in Self.contents.enumerated() {
            let verbatim = deltas[index], parsed = deltas[index + Self.contents.count]
            // The fast path sends the chunk's own bytes; the full parse writes the delta anew.
            #expect(verbatim == #"{"content":\#(content)}"#)
            let value = try JSONValue(parsing: verbatim)
            #expect(value == (try JSONValue(parsing: parsed)), "\(content)")
            if case .string(let text)? = value["content"] { texts += text }
        }
        #expect(texts.contains("café 中文") && texts.contains("\u{1F600} smile") && texts.contains("nul\u{0}byte"))
        #expect(result["message"]?["content"] == .string(texts + texts))
        #expect(result["model"] == .string("gpt-4o-mini"))
    }

    @Test func manyGeneratedStringsGiveTheSameDeltaOnBothPaths() async throws {
        var random = Generator(seed: 0x6d61726b6574)
        let contents = (0..<150).map { _ in random.jsonString() }
        let (deltas, result) = try await replay(contents.map { Self.chunk(delta: #"{"content":\#($0)}"#) }
            + contents.map { Self.forcedFullParse(delta: #"{"content":\#($0)}"#) })
        try #require(deltas.count == 2 * contents.count)
        var expected = ""
        for (index, content) in contents.enumerated() {
            #expect(deltas[index] == #"{"content":\#(content)}"#)
            let value = try JSONValue(parsing: deltas[index])
            #expect(value == (try JSONValue(parsing: deltas[index + contents.count])), "\(content)")
            if case .string(let text)? = value["content"] { expected += text }
        }
        #expect(result["message"]?["content"] == .string(expected + expected))
    }

    @Test func aRoleWithTextTakesTheFastPathAndARoleAloneTheFullParse() async throws {
        let (deltas, result) = try await replay([
            Self.chunk(delta: #"{"role":"assistant","content":""}"#),
            Self.chunk(delta: #"{"role":"assistant"}"#),
            Self.chunk(delta: #"{ "role" : "assistant" , "content" : "Hi" }"#),
            Self.chunk(delta: #"{}"#),
        ])
        #expect(deltas.count == 3) // an empty delta is not streamed
        #expect(deltas[0] == #"{"role":"assistant","content":""}"#)
        #expect(try JSONValue(parsing: deltas[1]) == .object(["role": .string("assistant")]))
        #expect(deltas[2] == #"{ "role" : "assistant" , "content" : "Hi" }"#)
        #expect(result["message"]?["content"] == .string("Hi"))
    }

    @Test func aRoleOnlyStreamLeavesTheContentNull() async throws {
        let (deltas, result) = try await replay([Self.chunk(delta: #"{"role":"assistant"}"#)])
        #expect(deltas.count == 1)
        #expect(result["message"]?["content"] == .null)
    }

    @Test func textWithToolCallsInOneChunkIsParsedInFull() async throws {
        let delta = #"{"content":"Let me check.","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"roll","arguments":"{\"n\":2}"}}]}"#
        let (deltas, result) = try await replay([Self.chunk(delta: delta)])
        #expect(deltas.count == 1)
        #expect(try JSONValue(parsing: deltas[0]) == JSONValue(parsing: delta))
        #expect(result["message"]?["content"] == .string("Let me check."))
        #expect(result["message"]?["tool_calls"] == .array([.object([
            "id": .string("call_1"), "type": .string("function"),
            "function": .object(["name": .string("roll"), "arguments": .string(#"{"n":2}"#)]),
        ])]))
        #expect(result["finish_reason"] == .string("tool_calls"))
    }

    @Test func aFinishReasonUsageAndSeveralChoicesAreParsedInFull() async throws {
        let usage = #""usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5},"#
        let (deltas, result) = try await replay([
            Self.chunk(delta: #"{"content":"A"}"#, top: #""usage":null,"#),
            Self.chunk(delta: #"{"content":"B"}"#, top: usage),
            #"{"model":"m2","choices":[{"index":0,"delta":{"content":"C"},"finish_reason":null},{"index":1,"delta":{"content":"X"},"finish_reason":null}]}"#,
            #"{"model":"m2","choices":[{"index":0,"delta":{"content":"D"},"finish_reason":"length"}]}"#,
        ])
        #expect(deltas.map { try? JSONValue(parsing: $0)["content"] } == ["A", "B", "C", "D"].map { JSONValue.string($0) as JSONValue? })
        #expect(deltas[0] == #"{"content":"A"}"#) // usage:null keeps the fast path
        #expect(result["message"]?["content"] == .string("ABCD"))
        #expect(result["usage"]?["total_tokens"] == .number(5))
        #expect(result["finish_reason"] == .string("length"))
        #expect(result["model"] == .string("m2"))
    }

    @Test func unusualShapesFallBackAndMeanWhatTheyMean() async throws {
        let (deltas, result) = try await replay([
            // numbers outside the fast path's subset, a duplicated key, an escaped key
            Self.chunk(delta: #"{"content":"1"}"#, top: #""created_ms":1.7e12,"#),
            Self.chunk(delta: #"{"content":"2","content":"3"}"#),
            Self.chunk(delta: #"{"con\u0074ent":"4"}"#),
            // not JSON, a lone surrogate, a raw control character: skipped on both paths
            #"{"choices":[{"index":0,"delta":{"content":"lost"}"#,
            Self.chunk(delta: #"{"content":"\ud800"}"#),
            Self.chunk(delta: "{\"content\":\"a\u{1}b\"}"),
            // a top-level array and a non-string content
            #"[{"choices":[]}]"#,
            Self.chunk(delta: #"{"content":null}"#),
            // an escaped model name keeps the fast path
            Self.chunk(delta: #"{"content":"5"}"#, model: #""caf\u00e9-model""#),
        ])
        let contents = deltas.map { try? JSONValue(parsing: $0)["content"] }
        #expect(contents == [JSONValue.string("1"), .string("3"), .string("4"), .null, .string("5")].map { $0 as JSONValue? })
        #expect(deltas.last == #"{"content":"5"}"#)
        #expect(result["message"]?["content"] == .string("1345"))
        #expect(result["model"] == .string("café-model"))
    }

    @Test func anErrorChunkStillFailsTheCall() async throws {
        let server = try await FakeModelServer.start()
        let provider = try await ModelProvider.start("openai", config: #"{"base_url":"\#(server.root)/v1","model":"replay"}"#, key: nil)
        let chunks = [Self.chunk(delta: #"{"content":"partial"}"#), #"{"error":{"message":"overloaded","type":"server_error"},"choices":[]}"#]
        let list = String(decoding: try JSONSerialization.data(withJSONObject: chunks), as: UTF8.self)
        let request = String(decoding: try JSONSerialization.data(withJSONObject: ["messages": [["role": "user", "content": list]]]), as: UTF8.self)
        let error = await expectError(.pluginFailed) { try await provider.streamedRaw(request) }
        #expect((error?.underlying as? PluginCallFailure)?.statusName == "UPSTREAM")
        #expect(error?.message.contains("overloaded") == true)
        await provider.close()
    }
}

/// SplitMix64 making JSON string literals that mix plain text, every escape, raw UTF-8 of one
/// to four bytes and surrogate-pair escapes, reproducibly.
struct Generator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((mixed ^ (mixed >> 31)) % UInt64(bound))
    }

    mutating func jsonString() -> String {
        let pieces = [#"\""#, #"\\"#, #"\/"#, #"\b"#, #"\f"#, #"\n"#, #"\r"#, #"\t"#, #"\u0001"#, #"\u001F"#, #"\u00e9"#, #"\u20AC"#,
                      #"\ud83d\ude80"#, "é", "€", "🚀", "中", " ", "a", "Z", "0", "{", "}", "[", "]", ":", ","]
        var text = "\""
        for _ in 0..<next(24) {
            text += next(3) == 0 ? pieces[next(pieces.count)] : String(UnicodeScalar(UInt8(0x20 + next(0x5F))))
                .replacingOccurrences(of: "\\", with: #"\\"#).replacingOccurrences(of: "\"", with: #"\""#)
        }
        return text + "\""
    }
}

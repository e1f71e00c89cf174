import ModelProviderKit
import Testing

/// The streaming fast path reads chunks with the shared JSON scanner, and gives up on anything
/// a full parse could read differently.
@Suite struct ContentDeltaTests {
    static func chunk(created: String = "1700000000", content: String = #""Hel""#, extra: String = "") -> String {
        #"{"id":"c","object":"chat.completion.chunk","created":\#(created),"model":"m",\#(extra)"choices":[{"index":0,"delta":{"content":\#(content)},"logprobs":null,"finish_reason":null}]}"#
    }

    static func recognise(_ text: String) -> (delta: String, text: String, model: String?)? {
        var text = text
        return text.withUTF8 { bytes in
            ContentDelta.recognise(bytes).map { (String(decoding: bytes[$0.delta], as: UTF8.self), $0.text, $0.model) }
        }
    }

    @Test func aPlainTextChunkIsRecognised() throws {
        let found = try #require(Self.recognise(Self.chunk(content: #""caf\u00e9 \ud83d\ude00""#)))
        #expect(found.delta == #"{"content":"caf\u00e9 \ud83d\ude00"}"#)
        #expect(found.text == "café 😀")
        #expect(found.model == "m")
    }

    /// Valid JSON that a `Double` or Foundation reads differently sends the chunk to the full parse.
    @Test(arguments: [
        chunk(created: "1.7e9"), chunk(created: "12345678901234567"), chunk(created: "0.1234567890123456"),
        chunk(content: #""\ud83d alone""#), chunk(content: #""\ude00""#), chunk(extra: #""x":[1E2],"#),
    ])
    func whatParsersReadDifferentlyIsNotRecognised(_ text: String) {
        #expect(Self.recognise(text) == nil)
    }

    @Test(arguments: [chunk(extra: #""x":{"#), chunk(content: "\"raw \u{1} control\""), chunk(extra: #""x":01,"#), "{}", ""])
    func invalidOrOtherChunksAreNotRecognised(_ text: String) {
        #expect(Self.recognise(text) == nil)
    }

    @Test func numbersWithinTheCommonSubsetKeepTheFastPath() {
        #expect(Self.recognise(Self.chunk(created: "123456789012345", extra: #""x":[-0.5,0,123456789012345.123456789012345],"#)) != nil)
    }
}

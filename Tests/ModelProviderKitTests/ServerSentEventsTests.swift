import ModelProviderKit
import Testing

@Suite struct ServerSentEventsTests {
    /// A stream using every line end the SSE specification allows, with comments and fields
    /// that carry nothing for a model API, and a multi-line `data`.
    static let stream = Array(": comment\r\nevent: delta\ndata: {\"a\":1}\r\n\r\ndata:first\rdata: second\r\rid: 7\nretry: 10\n\ndata: [DONE]\n\n".utf8)
    static let expected = [#"{"a":1}"#, "first\nsecond", "[DONE]"]

    @Test func readsEveryLineEndTheSpecificationAllows() {
        var parser = ServerSentEvents()
        #expect(parser.feed(Self.stream) == Self.expected)
    }

    @Test func aLoneCarriageReturnEndsALine() {
        var parser = ServerSentEvents()
        #expect(parser.feed(Array("data: one\r\rdata: two\r\r".utf8)) == ["one", "two"])
    }

    /// The same events whichever byte the network splits the stream at, including between the
    /// CR and the LF of one line end (which must not count as two line ends).
    @Test func givesTheSameEventsWhereverTheStreamIsSplit() {
        for split in 0...Self.stream.count {
            var parser = ServerSentEvents()
            let events = parser.feed(Array(Self.stream[..<split])) + parser.feed([]) + parser.feed(Array(Self.stream[split...]))
            #expect(events == Self.expected, "split at \(split)")
        }
        var parser = ServerSentEvents()
        #expect(Self.stream.flatMap { parser.feed([$0]) } == Self.expected, "one byte at a time")
    }

    /// A CR at the end of one chunk and an LF at the start of the next are one line end: the
    /// event is not ended early by a phantom blank line.
    @Test func aLineEndSplitBetweenItsTwoBytesIsOneLineEnd() {
        var parser = ServerSentEvents()
        #expect(parser.feed(Array("data: a\r".utf8)).isEmpty)
        #expect(parser.feed(Array("\ndata: b\r".utf8)).isEmpty)
        #expect(parser.feed(Array("\n\r\n".utf8)) == ["a\nb"])
    }

    /// Large streams, shaped as the two ways a parser that re-reads or moves its buffer goes
    /// quadratic: many events in one chunk, and one long line in many small chunks. Both are
    /// read whole and exactly; a parser whose cost grows with the square of the size would not
    /// finish within the limit.
    @Test(.timeLimit(.minutes(1))) func readsALargeStreamWhole() {
        let events = (0..<200_000).map { #"{"n":\#($0),"text":"some words to stream"}"# }
        var parser = ServerSentEvents()
        let body = Array(events.map { "data: \($0)\n\n" }.joined().utf8)
        #expect(body.count > 8_000_000)
        #expect(parser.feed(body) == events)

        let line = String(repeating: "x", count: 8 << 20)
        let long = Array("data: \(line)\r\n\r\n".utf8)
        var chunked = ServerSentEvents()
        var received: [String] = []
        for start in stride(from: 0, to: long.count, by: 64) {
            received += chunked.feed(Array(long[start..<min(start + 64, long.count)]))
        }
        #expect(received == [line])
    }
}

import JSONScanning

/// The commonest streamed chunk of the chat-completions protocol, recognised without building
/// Foundation objects: one choice whose delta carries only text (and perhaps its role), no
/// finish reason, no usage, no error.
///
/// ```json
/// {"id":"…","object":"chat.completion.chunk","created":1,"model":"m",
///  "choices":[{"index":0,"delta":{"content":"Hel"},"logprobs":null,"finish_reason":null}]}
/// ```
///
/// Anything else — tool-call deltas, role-only or empty deltas, a finish reason, usage, an
/// error, several choices, a duplicated key, a number or escape that parsers read differently
/// (see `JSONScanner.outsideCommonSubset`) — is not recognised, and the caller parses the chunk
/// in full. What is recognised means exactly what full parsing would make of it.
public struct ContentDelta {
    /// Where the delta object (`{"content":"Hel"}`) lies in the chunk: valid JSON, forwarded as is.
    public let delta: Range<Int>
    /// The delta's text, unescaped.
    public let text: String
    /// The chunk's `model`, when it names one.
    public let model: String?

    /// Recognises `chunk` (one SSE event's data), or returns nil.
    public static func recognise(_ chunk: UnsafeBufferPointer<UInt8>) -> ContentDelta? {
        var scanner = JSONScanner(chunk)
        var choice: (delta: Range<Int>, text: String)?
        var model: String?
        var seenModel = false, seenUsage = false
        guard scanner.consume(UInt8(ascii: "{")) else { return nil }
        if scanner.consume(UInt8(ascii: "}")) { return nil }
        repeat {
            guard let key = scanner.string(), scanner.consume(UInt8(ascii: ":")) else { return nil }
            if scanner.token(key, is: "choices") {
                guard choice == nil, let only = onlyChoice(&scanner) else { return nil }
                choice = only
            } else if scanner.token(key, is: "model") {
                guard !seenModel else { return nil }
                seenModel = true
                if scanner.null() { continue }
                guard let name = scanner.string() else { return nil }
                model = scanner.text(of: name)
            } else if scanner.token(key, is: "usage") {
                // Servers asked for usage send `"usage":null` on every chunk but the last.
                guard !seenUsage, scanner.null() else { return nil }
                seenUsage = true
            } else if key.escaped || scanner.token(key, is: "error") {
                return nil
            } else {
                guard scanner.skipValue() else { return nil }
            }
        } while scanner.consume(UInt8(ascii: ","))
        guard scanner.consume(UInt8(ascii: "}")) else { return nil }
        scanner.skipWhitespace()
        guard scanner.atEnd, !scanner.outsideCommonSubset, let choice else { return nil }
        return ContentDelta(delta: choice.delta, text: choice.text, model: model)
    }

    /// `[{"index":0,"delta":{…},"finish_reason":null}]`: exactly one choice, still running.
    private static func onlyChoice(_ scanner: inout JSONScanner) -> (delta: Range<Int>, text: String)? {
        guard scanner.consume(UInt8(ascii: "[")), scanner.consume(UInt8(ascii: "{")) else { return nil }
        var found: (delta: Range<Int>, text: String)?
        var seenIndex = false
        repeat {
            guard let key = scanner.string(), scanner.consume(UInt8(ascii: ":")) else { return nil }
            if scanner.token(key, is: "delta") {
                guard found == nil, let delta = textDelta(&scanner) else { return nil }
                found = delta
            } else if scanner.token(key, is: "index") {
                guard !seenIndex, scanner.number() != nil else { return nil }
                seenIndex = true
            } else if key.escaped || !scanner.null() {
                // finish_reason, logprobs and whatever a server adds: only null keeps the fast path.
                return nil
            }
        } while scanner.consume(UInt8(ascii: ","))
        guard scanner.consume(UInt8(ascii: "}")), scanner.consume(UInt8(ascii: "]")) else { return nil }
        return found
    }

    /// `{"content":"…"}`, optionally with `"role":"…"`, as Ollama sends on every chunk.
    private static func textDelta(_ scanner: inout JSONScanner) -> (delta: Range<Int>, text: String)? {
        scanner.skipWhitespace()
        let start = scanner.index
        guard scanner.consume(UInt8(ascii: "{")) else { return nil }
        var text: String?
        var seenRole = false
        repeat {
            guard let key = scanner.string(), scanner.consume(UInt8(ascii: ":")) else { return nil }
            if scanner.token(key, is: "content") {
                guard text == nil, let value = scanner.string() else { return nil }
                text = scanner.text(of: value)
            } else if scanner.token(key, is: "role") {
                guard !seenRole, scanner.string() != nil else { return nil }
                seenRole = true
            } else {
                return nil
            }
        } while scanner.consume(UInt8(ascii: ","))
        guard scanner.consume(UInt8(ascii: "}")), let text else { return nil }
        return (start..<scanner.index, text)
    }
}

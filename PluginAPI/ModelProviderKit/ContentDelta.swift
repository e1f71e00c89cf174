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
/// error, several choices, a duplicated key, a number or escape outside ``JSONCursor``'s
/// subset — is not recognised, and the caller parses the chunk in full. What is recognised
/// means exactly what full parsing would make of it.
public struct ContentDelta {
    /// Where the delta object (`{"content":"Hel"}`) lies in the chunk: valid JSON, forwarded as is.
    public let delta: Range<Int>
    /// The delta's text, unescaped.
    public let text: String
    /// The chunk's `model`, when it names one.
    public let model: String?

    /// Recognises `chunk` (one SSE event's data), or returns nil.
    public static func recognise(_ chunk: UnsafeBufferPointer<UInt8>) -> ContentDelta? {
        var cursor = JSONCursor(chunk)
        var choice: (delta: Range<Int>, text: String)?
        var model: String?
        var seenModel = false, seenUsage = false
        guard cursor.consume(UInt8(ascii: "{")) else { return nil }
        if cursor.consume(UInt8(ascii: "}")) { return nil }
        repeat {
            guard let key = cursor.string(), cursor.consume(UInt8(ascii: ":")) else { return nil }
            if cursor.token(key, is: "choices") {
                guard choice == nil, let only = onlyChoice(&cursor) else { return nil }
                choice = only
            } else if cursor.token(key, is: "model") {
                guard !seenModel else { return nil }
                seenModel = true
                if cursor.null() { continue }
                guard let name = cursor.string() else { return nil }
                model = cursor.text(of: name)
            } else if cursor.token(key, is: "usage") {
                // Servers asked for usage send `"usage":null` on every chunk but the last.
                guard !seenUsage, cursor.null() else { return nil }
                seenUsage = true
            } else if key.escaped || cursor.token(key, is: "error") {
                return nil
            } else {
                guard cursor.skipValue() else { return nil }
            }
        } while cursor.consume(UInt8(ascii: ","))
        guard cursor.consume(UInt8(ascii: "}")) else { return nil }
        cursor.skipWhitespace()
        guard cursor.atEnd, let choice else { return nil }
        return ContentDelta(delta: choice.delta, text: choice.text, model: model)
    }

    /// `[{"index":0,"delta":{…},"finish_reason":null}]`: exactly one choice, still running.
    private static func onlyChoice(_ cursor: inout JSONCursor) -> (delta: Range<Int>, text: String)? {
        guard cursor.consume(UInt8(ascii: "[")), cursor.consume(UInt8(ascii: "{")) else { return nil }
        var found: (delta: Range<Int>, text: String)?
        var seenIndex = false
        repeat {
            guard let key = cursor.string(), cursor.consume(UInt8(ascii: ":")) else { return nil }
            if cursor.token(key, is: "delta") {
                guard found == nil, let delta = textDelta(&cursor) else { return nil }
                found = delta
            } else if cursor.token(key, is: "index") {
                guard !seenIndex, cursor.number() else { return nil }
                seenIndex = true
            } else if key.escaped || !cursor.null() {
                // finish_reason, logprobs and whatever a server adds: only null keeps the fast path.
                return nil
            }
        } while cursor.consume(UInt8(ascii: ","))
        guard cursor.consume(UInt8(ascii: "}")), cursor.consume(UInt8(ascii: "]")) else { return nil }
        return found
    }

    /// `{"content":"…"}`, optionally with `"role":"…"`, as Ollama sends on every chunk.
    private static func textDelta(_ cursor: inout JSONCursor) -> (delta: Range<Int>, text: String)? {
        cursor.skipWhitespace()
        let start = cursor.index
        guard cursor.consume(UInt8(ascii: "{")) else { return nil }
        var text: String?
        var seenRole = false
        repeat {
            guard let key = cursor.string(), cursor.consume(UInt8(ascii: ":")) else { return nil }
            if cursor.token(key, is: "content") {
                guard text == nil, let value = cursor.string() else { return nil }
                text = cursor.text(of: value)
            } else if cursor.token(key, is: "role") {
                guard !seenRole, cursor.string() != nil else { return nil }
                seenRole = true
            } else {
                return nil
            }
        } while cursor.consume(UInt8(ascii: ","))
        guard cursor.consume(UInt8(ascii: "}")), let text else { return nil }
        return (start..<cursor.index, text)
    }
}

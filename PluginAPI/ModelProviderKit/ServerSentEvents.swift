/// Splits a `text/event-stream` body into events as bytes arrive, in whatever chunks the
/// network delivers them (a line, or a CR LF pair, may be split across chunks).
///
/// Lines end with CR LF, LF or a lone CR, as the SSE specification allows. Each byte is looked
/// at once: a chunk's complete lines are read where they lie, and only an unfinished line is
/// kept for the next chunk, so a large body costs time in proportion to its size.
public struct ServerSentEvents {
    /// The start of a line whose end has not arrived yet.
    private var partial: [UInt8] = []
    /// The `data` lines of the event being read.
    private var data: [String] = []
    /// The last chunk ended with CR: an LF starting the next one belongs to that line end.
    private var endedWithCR = false

    public init() {}

    /// Feeds bytes; returns the `data` of every event completed by them.
    public mutating func feed(_ bytes: [UInt8]) -> [String] {
        var events: [String] = []
        var start = bytes.startIndex
        if endedWithCR, let first = bytes.first {
            endedWithCR = false
            if first == UInt8(ascii: "\n") { start += 1 }
        }
        while let end = bytes[start...].firstIndex(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
            if partial.isEmpty {
                read(line: bytes[start..<end], into: &events)
            } else {
                partial.append(contentsOf: bytes[start..<end])
                read(line: partial[...], into: &events)
                partial.removeAll(keepingCapacity: true)
            }
            start = end + 1
            if bytes[end] == UInt8(ascii: "\r") {
                if start == bytes.endIndex {
                    endedWithCR = true
                } else if bytes[start] == UInt8(ascii: "\n") {
                    start += 1
                }
            }
        }
        partial.append(contentsOf: bytes[start...])
        return events
    }

    private mutating func read(line: ArraySlice<UInt8>, into events: inout [String]) {
        if line.isEmpty {
            // A blank line ends the event.
            if !data.isEmpty { events.append(data.joined(separator: "\n")) }
            data = []
        } else if line.starts(with: "data:".utf8) {
            var value = line.dropFirst(5)
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
            data.append(String(decoding: value, as: UTF8.self))
        }
        // Comments (":…"), "event:", "id:" and "retry:" lines carry nothing this API uses.
    }
}

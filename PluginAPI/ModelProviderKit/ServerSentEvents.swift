/// Splits a `text/event-stream` body into events as bytes arrive, in whatever chunks the
/// network delivers them (a line may be split across chunks).
public struct ServerSentEvents {
    private var pending: [UInt8] = []
    private var data: [String] = []

    /// Feeds bytes; returns the `data` of every event completed by them.
    public init() {}

    public mutating func feed(_ bytes: [UInt8]) -> [String] {
        pending.append(contentsOf: bytes)
        var events: [String] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            var line = pending[..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            pending.removeSubrange(...newline)
            if line.isEmpty {
                // A blank line ends the event.
                if !data.isEmpty { events.append(data.joined(separator: "\n")) }
                data = []
            } else if line.starts(with: Array("data:".utf8)) {
                var value = line.dropFirst(5)
                if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
                data.append(String(decoding: value, as: UTF8.self))
            }
            // Comments (":…"), "event:", "id:" and "retry:" lines carry nothing this API uses.
        }
        return events
    }
}

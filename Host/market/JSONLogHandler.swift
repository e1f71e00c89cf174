import Foundation
import Logging
import Synchronization

/// Writes each log record as one JSON object on one line (for log collectors):
/// `{"timestamp":…,"level":…,"label":…,"message":…, …metadata}`. Metadata keys sit at the top
/// level beside those four, which win over a metadata key of the same name.
struct JSONLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: LineWriter

    init(label: String, output: LineWriter = .standardOutput) {
        self.label = label
        self.output = output
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var record: [String: Any] = merged.mapValues(Self.json)
        record["timestamp"] = Self.timestamp()
        record["level"] = event.level.rawValue
        record["label"] = label
        record["message"] = event.message.description
        guard var line = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(UInt8(ascii: "\n"))
        output.write(line)
    }

    private static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let value): value.description
        case .array(let values): values.map(json)
        case .dictionary(let values): values.mapValues(json)
        }
    }

    /// RFC 3339 in UTC with milliseconds.
    private static func timestamp() -> String {
        Date.now.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// Whole lines to a file descriptor, one writer at a time, so concurrent records never
/// interleave within a line.
final class LineWriter: Sendable {
    static let standardOutput = LineWriter(descriptor: STDOUT_FILENO)

    private let descriptor: Int32
    private let lock = Mutex(())

    init(descriptor: Int32) { self.descriptor = descriptor }

    func write(_ data: Data) {
        lock.withLock { _ in
            data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0, errno == EINTR { continue }
                    guard written > 0 else { return }
                    offset += written
                }
            }
        }
    }
}

import Logging
import Synchronization

/// Keeps every log record as one line of text (message and all metadata), so tests can search
/// everything a component logged.
public struct CapturingLogHandler: LogHandler {
    public final class Lines: Sendable {
        public let all = Mutex<[String]>([])
        public var text: String { all.withLock { $0.joined(separator: "\n") } }
    }

    public let lines = Lines()
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public init() {}

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let line = "\(event.level) \(event.message) \(merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
        lines.all.withLock { $0.append(line) }
    }

    /// A logger at trace level writing here.
    public var logger: Logger { Logger(label: "capture") { _ in self } }
}

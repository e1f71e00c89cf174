import Foundation
import MarketRegistry
import Synchronization

/// A one-line download bar on standard error, drawn only when standard error is a terminal
/// (never into logs or pipes): `notes  [########------------]  40%  0.4/1.0 MB`.
final class ProgressBar: Sendable {
    private struct Drawn {
        var id = ""
        var percent = -1
    }

    private let drawn = Mutex(Drawn())

    /// A bar when standard error is a terminal and JSON is not asked for; nil otherwise.
    static func forTerminal(json: Bool) -> ProgressBar? {
        !json && isatty(STDERR_FILENO) == 1 ? ProgressBar() : nil
    }

    /// The installer's progress callback drawing a bar, when there should be one.
    static func reporter(json: Bool) -> Installer.Progress? {
        guard let bar = forTerminal(json: json) else { return nil }
        return { id, received, total in bar.update(id, received, total) }
    }

    /// Redraws the bar when the whole percentage changed; ends the line at 100%.
    func update(_ id: String, _ received: Int64, _ total: Int64) {
        let percent = total > 0 ? Int(min(100, received * 100 / total)) : 100
        let line: String? = drawn.withLock { state in
            guard state.id != id || state.percent != percent else { return nil }
            state = Drawn(id: id, percent: percent)
            let filled = percent / 5
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled)
            let megabytes = { (bytes: Int64) in String(format: "%.1f", Double(bytes) / 1_000_000) }
            return "\r\(id)  [\(bar)] \(String(format: "%3d", percent))%  \(megabytes(received))/\(megabytes(total)) MB" + (percent == 100 ? "\n" : "")
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }
}

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
            return "\r\(id)  [\(bar)] \(String(format: "%3d", percent))%  \(Self.sizes(received, of: total))" + (percent == 100 ? "\n" : "")
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// `0.4/1.0 MB`, `12.3/40.0 kB` or `512/900 B`: the unit of the total, so a small package
    /// does not read `0.0/0.0 MB`.
    static func sizes(_ received: Int64, of total: Int64) -> String {
        let (divisor, unit): (Double, String) = switch total {
        case 1_000_000...: (1_000_000, "MB")
        case 1_000...: (1_000, "kB")
        default: (1, "B")
        }
        guard divisor > 1 else { return "\(received)/\(total) B" }
        return String(format: "%.1f/%.1f ", Double(received) / divisor, Double(total) / divisor) + unit
    }
}

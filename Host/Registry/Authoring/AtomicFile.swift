import Foundation
import MarketCore

/// Writes files by writing a temporary file beside them and renaming it, so a reader sees the
/// old file or the new one, never half of one.
enum AtomicFile {
    static func write(_ data: Data, to url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        } catch {
            throw MarketError(.ioFailed, "cannot write \(url.path)", underlying: error)
        }
    }
}

import Foundation
import MarketCore

/// An exclusive `flock` on `<folder>/.market-lock`, so two writers of one folder never
/// interleave: operators rewriting a registry tree (a cron job's refresh and a publish), or
/// two installs switching plugins and rewriting market.lock in one state folder.
enum RegistryLock {
    static let fileName = ".market-lock"

    static func withLock<T>(_ folder: URL, _ body: () throws -> T) throws -> T {
        let path = folder.appendingPathComponent(fileName).path
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw MarketError(.ioFailed, "cannot open \(path): \(String(cString: strerror(errno)))", fix: "check that the registry folder is writable")
        }
        // Closing the descriptor releases the lock.
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else {
            throw MarketError(.ioFailed, "cannot lock \(path): \(String(cString: strerror(errno)))")
        }
        return try body()
    }
}

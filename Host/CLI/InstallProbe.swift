import Foundation
import MarketCore
import MarketRegistry

/// Probe-loads a plugin folder in a child process (`market plugin probe`), so a plugin that
/// crashes or hangs while loading cannot take the installer down.
enum InstallProbe {
    static let timeout: TimeInterval = 30

    static func run(_ folder: URL) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            // Waiting for the child blocks, so it happens on a thread of its own.
            Thread.detachNewThread {
                continuation.resume(with: Result { try runBlocking(folder) })
            }
        }
    }

    private static func runBlocking(_ folder: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["plugin", "probe", folder.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        let report = Report()
        let read = DispatchSemaphore(value: 0)
        do {
            try process.run()
        } catch {
            throw MarketError(.probeFailed, "cannot start a process to probe the plugin", underlying: error)
        }
        // Read on another thread: a hung plugin never closes the pipe, and the timeout must fire.
        Thread.detachNewThread {
            report.data = output.fileHandleForReading.readDataToEndOfFile()
            read.signal()
        }
        guard exited.wait(timeout: .now() + timeout) == .success else {
            process.terminate()
            throw MarketError(.probeFailed, "the plugin did not finish loading within \(Int(timeout)) seconds", fix: "ask its publisher; nothing was installed")
        }
        _ = read.wait(timeout: .now() + 1)
        guard process.terminationReason == .exit else {
            throw MarketError(.probeFailed, "the plugin crashed while loading (signal \(process.terminationStatus))", fix: "ask its publisher; nothing was installed")
        }
        guard process.terminationStatus != 0 else { return }
        let line = (try? JSONValue(parsing: String(decoding: report.data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))) ?? .null
        guard case .string(let code)? = line["code"], case .string(let message)? = line["message"] else {
            throw MarketError(.probeFailed, "the plugin did not load (exit status \(process.terminationStatus))",
                              fix: "run `market plugin probe \(folder.path)` to see why; nothing was installed")
        }
        let fix = if case .string(let text)? = line["fix"], !text.isEmpty { text } else { "nothing was installed" }
        throw MarketError(.probeFailed, "the plugin did not load: \(code): \(message)", fix: fix)
    }

    /// Written by the reader thread before it signals, read after the wait.
    private final class Report: @unchecked Sendable {
        var data = Data()
    }
}

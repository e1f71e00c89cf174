import Foundation
import MarketCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What a finished child process printed.
public struct ProcessOutput: Sendable {
    /// The exit status, or the signal's number when `signaled`.
    public let status: Int32
    /// Whether a signal ended the process.
    public let signaled: Bool
    public let stdout: String
    public let stderr: String
}

/// Runs a program (an absolute path, or a name looked up on PATH) in `directory` and collects
/// its output, with stdin from /dev/null. With `killAfter`, a child still running then is
/// killed (SIGKILL, reported as `signaled`), so a test of a hang cannot hang itself.
///
/// It spawns and reaps the child with the host's `ChildSpawner` on a thread of its own:
/// waiting must not hold one of Swift's few cooperative threads, and Foundation's `Process` was
/// seen to wait forever for children that had exited while others were running. The child gets
/// default signal handling, whatever the test runner ignores.
@discardableResult
public func runProcess(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                       environment: [String: String] = [:], killAfter: Duration? = nil) async throws -> ProcessOutput {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result {
                try runProcessBlocking(executable, arguments, in: directory, environment: environment, killAfter: killAfter)
            })
        }
    }
}

private func runProcessBlocking(_ executable: String, _ arguments: [String], in directory: URL?,
                                environment: [String: String], killAfter: Duration?) throws -> ProcessOutput {
    // env(1) finds the program on PATH, then execs it.
    let merged = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let child = try ChildSpawner.spawn(.init("/usr/bin/env", [executable] + arguments, environment: merged.map { "\($0.key)=\($0.value)" },
                                             directory: directory?.path, stdout: .pipe, stderr: .pipe))
    defer {
        close(child.stdout)
        close(child.stderr)
    }
    let exited = ExitFlag()
    if let killAfter {
        // The kill happens under the lock, before the child is reaped: its pid cannot have been reused.
        Thread.detachNewThread {
            let deadline = ContinuousClock.now + killAfter
            while ContinuousClock.now < deadline, !exited.state.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.05) }
            exited.state.withLock { if !$0 { kill(child.pid, SIGKILL) } }
        }
    }
    // Read both pipes at once, so a chatty child cannot block on a full pipe.
    let errors = Drained()
    Thread.detachNewThread { errors.read(child.stderr) }
    let output = SpawnedProcess.readToEnd(child.stdout)
    errors.wait()
    // Waits for the exit without reaping, so the killer above never signals a reused pid.
    var info = siginfo_t()
    while waitid(P_PID, id_t(child.pid), &info, WEXITED | WNOWAIT) < 0, errno == EINTR {}
    exited.state.withLock { $0 = true }
    let (status, signaled): (Int32, Bool) = switch child.wait() {
    case .exited(let code): (code, false)
    case .signalled(let signal): (signal, true)
    }
    return ProcessOutput(status: status, signaled: signaled, stdout: String(decoding: output, as: UTF8.self), stderr: errors.text)
}

/// Whether a child has exited, shared with the thread that may kill it.
private final class ExitFlag: Sendable {
    let state = Mutex(false)
}

/// Reads a pipe to its end; `text` is ready once `wait` returns.
private final class Drained: @unchecked Sendable {
    // @unchecked: `bytes` is written by the reading thread before `done` is signalled and read
    // only after `wait`.
    private var bytes: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)

    func read(_ fd: Int32) {
        bytes = SpawnedProcess.readToEnd(fd)
        done.signal()
    }

    func wait() { done.wait() }

    var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// A fresh folder under the system's temporary directory.
public func temporaryDirectory(_ name: String = "market-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The folder SwiftPM builds products into: where the test bundle itself lives.
public var buildProductsDirectory: URL {
    let testBinary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var folder = URL(fileURLWithPath: testBinary).deletingLastPathComponent()
    // On Linux the tests run from <bin>/<package>PackageTests.xctest, a file in <bin>.
    if folder.lastPathComponent.hasSuffix(".xctest") { folder.deleteLastPathComponent() }
    return folder
}

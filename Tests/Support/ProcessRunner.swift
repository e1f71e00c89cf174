import Foundation
import MarketCore

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
/// its output, with stdin from /dev/null.
///
/// It spawns and reaps the child with the host's `ChildSpawner` on a thread of its own:
/// waiting must not hold one of Swift's few cooperative threads, and Foundation's `Process` was
/// seen to wait forever for children that had exited while others were running. The child gets
/// default signal handling, whatever the test runner ignores.
@discardableResult
public func runProcess(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                       environment: [String: String] = [:]) async throws -> ProcessOutput {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try runProcessBlocking(executable, arguments, in: directory, environment: environment) })
        }
    }
}

private func runProcessBlocking(_ executable: String, _ arguments: [String], in directory: URL?,
                                environment: [String: String]) throws -> ProcessOutput {
    // env(1) finds the program on PATH, then execs it.
    let merged = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let child = try ChildSpawner.spawn(.init("/usr/bin/env", [executable] + arguments, environment: merged.map { "\($0.key)=\($0.value)" },
                                             directory: directory?.path, stdout: .pipe, stderr: .pipe))
    defer {
        close(child.stdout)
        close(child.stderr)
    }
    // Read both pipes at once, so a chatty child cannot block on a full pipe.
    let errors = Drained()
    Thread.detachNewThread { errors.read(child.stderr) }
    let output = SpawnedProcess.readToEnd(child.stdout)
    errors.wait()
    let (status, signaled): (Int32, Bool) = switch child.wait() {
    case .exited(let code): (code, false)
    case .signalled(let signal): (signal, true)
    }
    return ProcessOutput(status: status, signaled: signaled, stdout: String(decoding: output, as: UTF8.self), stderr: errors.text)
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

import Foundation

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
/// It spawns and reaps the child itself (`posix_spawn`, `waitpid`) on a thread of its own:
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
    // env(1) finds the program on PATH and changes directory for it, then execs it.
    let command = ["/usr/bin/env"] + (directory.map { ["-C", $0.path] } ?? []) + [executable] + arguments
    let merged = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    var out: [Int32] = [0, 0]
    var err: [Int32] = [0, 0]
    guard pipe(&out) == 0, pipe(&err) == 0 else { throw POSIXError(.EMFILE) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, out[1], 1)
    posix_spawn_file_actions_adddup2(&actions, err[1], 2)
    for fd in out + err { posix_spawn_file_actions_addclose(&actions, fd) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t()
    sigfillset(&defaults)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    var noneBlocked = sigset_t()
    sigemptyset(&noneBlocked)
    posix_spawnattr_setsigmask(&attributes, &noneBlocked)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
    let argv = command.map { strdup($0) } + [nil]
    let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, command[0], &actions, &attributes, argv, envp)
    close(out[1])
    close(err[1])
    defer {
        close(out[0])
        close(err[0])
    }
    guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .ENOENT) }
    // Read both pipes at once, so a chatty child cannot block on a full pipe.
    let errors = Drained()
    let errorEnd = err[0]
    Thread.detachNewThread { errors.read(errorEnd) }
    let output = Drained()
    output.read(out[0])
    errors.wait()
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    let signal = status & 0x7F
    return ProcessOutput(status: signal == 0 ? (status >> 8) & 0xFF : signal, signaled: signal != 0,
                         stdout: output.text, stderr: errors.text)
}

/// Reads a pipe to its end; `text` is ready once `wait` returns.
private final class Drained: @unchecked Sendable {
    // @unchecked: `bytes` is written by the reading thread before `done` is signalled and read
    // only after `wait`.
    private var bytes: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)

    func read(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = Glibc.read(fd, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += buffer[0..<count]
        }
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

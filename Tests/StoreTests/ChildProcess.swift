import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a finished child process printed.
struct ChildOutput: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs a program with `posix_spawn` and waits for it with `waitpid` on a thread of its own.
///
/// Foundation's `Process` was seen to wait forever for an exited child in this test process
/// (its exit notice depends on SIGCHLD handling that the other children here disturb), so the
/// store's tests wait for their children themselves.
func runChild(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> ChildOutput {
    try await onThread {
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
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        close(out[1])
        close(err[1])
        defer {
            close(out[0])
            close(err[0])
        }
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .ENOENT) }
        let errors = Drained()
        let errorEnd = err[0]
        let reader = Thread { errors.read(errorEnd) }
        reader.start()
        let output = Drained()
        output.read(out[0])
        errors.wait()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return ChildOutput(status: (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F),
                           stdout: output.text, stderr: errors.text)
    }
}

/// Reads a pipe to its end; `text` is ready once `wait` returns.
private final class Drained: @unchecked Sendable {
    // Unchecked: `bytes` is written by the reading thread before `done` is signalled and read
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

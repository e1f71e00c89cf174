import Foundation
import MarketCore
import Logging
import Synchronization

/// A program started for a plugin through `market.process/1`: its pid (leader of its own
/// process group, so helpers it starts stop with it) and the host's ends of its pipes.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: the descriptors are fixed after spawn; `reaped` is guarded by `lock`.
    let pid: pid_t
    let stdin: Int32
    let stdout: Int32
    private let lock = NSLock()
    private var exitStatus: Int32?

    private init(pid: pid_t, stdin: Int32, stdout: Int32) {
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
    }

    /// Starts `path` with `arguments` and `environment`; its stderr lines go to `logger`.
    static func spawn(path: String, arguments: [String], environment: [String], logger: Logger) throws -> ChildProcess {
        ignoreBrokenPipes
        var input: [Int32] = [-1, -1], output: [Int32] = [-1, -1], errors: [Int32] = [-1, -1]
        guard pipe(&input) == 0, pipe(&output) == 0, pipe(&errors) == 0 else {
            for fd in input + output + errors where fd >= 0 { close(fd) }
            throw SpawnFailure(code: errno)
        }
        // Close-on-exec, so other children the host starts do not inherit these pipes.
        for fd in input + output + errors { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        SpawnActions.closeInheritedDescriptors(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, and default signal handling whatever the host ignores.
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var noneBlocked = sigset_t()
        sigemptyset(&noneBlocked)
        posix_spawnattr_setsigmask(&attributes, &noneBlocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var pid: pid_t = 0
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        close(input[0])
        close(output[1])
        close(errors[1])
        guard result == 0 else {
            close(input[1])
            close(output[0])
            close(errors[0])
            throw SpawnFailure(code: result)
        }
        let child = ChildProcess(pid: pid, stdin: input[1], stdout: output[0])
        let stderr = errors[0]
        let started = pid
        Thread.detachNewThread { forwardLines(from: stderr, to: logger, pid: started) }
        return child
    }

    /// Writes all of `bytes`; false once the other end is closed.
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(stdin, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    enum ReadResult {
        case data([UInt8])
        case timedOut
        case ended
    }

    /// Waits up to `timeout` milliseconds for output and returns what is there (≤ 64 KiB).
    func read(timeout: Int32) -> ReadResult {
        var poller = pollfd(fd: stdout, events: Int16(POLLIN), revents: 0)
        var ready: Int32
        repeat { ready = poll(&poller, 1, timeout) } while ready < 0 && errno == EINTR
        guard ready > 0 else { return ready == 0 ? .timedOut : .ended }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var count: Int
        repeat { count = Glibc.read(stdout, &buffer, buffer.count) } while count < 0 && errno == EINTR
        guard count > 0 else { return .ended }
        return .data(Array(buffer[..<count]))
    }

    /// Stops the process: closes its stdin and gives it half of `grace` ms to exit, then
    /// SIGTERM and the other half, then SIGKILL to its whole group; reaps it and closes the
    /// pipes. Returns the exit status, or the negated signal number.
    func stop(grace: UInt32) -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        close(stdin)
        var status: Int32 = 0
        func reap(within milliseconds: UInt32) -> Bool {
            let deadline = ContinuousClock.now + .milliseconds(Int(milliseconds))
            repeat {
                if waitpid(pid, &status, WNOHANG) == pid { return true }
                usleep(2_000)
            } while ContinuousClock.now < deadline
            return false
        }
        var reaped = reap(within: grace / 2)
        if !reaped {
            kill(-pid, SIGTERM)
            reaped = reap(within: grace - grace / 2)
        }
        if !reaped {
            kill(-pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        } else {
            // The leader is gone; make sure nothing it started outlives it.
            kill(-pid, SIGKILL)
        }
        close(stdout)
        let signal = status & 0x7f
        let result = signal == 0 ? (status >> 8) & 0xff : -signal
        exitStatus = result
        return result
    }

    private static func forwardLines(from fd: Int32, to logger: Logger, pid: pid_t) {
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var pending = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[pending.startIndex..<newline].prefix(2_000), as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                logger.info("helper process said", metadata: ["pid": .stringConvertible(pid), "line": .string(line)])
            }
        }
    }

    /// Writing to a helper that exited must fail with EPIPE, not end the host.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    struct SpawnFailure: Error {
        let code: Int32
    }
}

/// The processes of one plugin instance, by handle.
final class ProcessTable: Sendable {
    private let state = Mutex<(next: UInt64, processes: [UInt64: ChildProcess])>((1, [:]))

    func add(_ process: ChildProcess) -> UInt64 {
        state.withLock { state in
            let handle = state.next
            state.next += 1
            state.processes[handle] = process
            return handle
        }
    }

    func find(_ handle: UInt64) -> ChildProcess? {
        state.withLock { $0.processes[handle] }
    }

    func remove(_ handle: UInt64) -> ChildProcess? {
        state.withLock { $0.processes.removeValue(forKey: handle) }
    }

    /// Stops every process still running; for when the instance goes away.
    func stopAll() {
        let all = state.withLock { state in
            defer { state.processes = [:] }
            return Array(state.processes.values)
        }
        for process in all { _ = process.stop(grace: 1_000) }
    }
}

import Foundation
import MarketCore
import Logging
import Synchronization

/// A program started for a plugin through `market.process/1`: its pid (leader of its own
/// process group, so helpers it starts stop with it) and the host's ends of its pipes.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: `child` is fixed after spawn; `exitStatus` is guarded by `lock`.
    private let child: SpawnedProcess
    private let lock = NSLock()
    private var exitStatus: Int32?

    private init(_ child: SpawnedProcess) {
        self.child = child
    }

    /// Starts `path` with `arguments` and `environment`; its stderr lines go to `logger`.
    static func spawn(path: String, arguments: [String], environment: [String], logger: Logger) throws(ChildSpawner.Failure) -> ChildProcess {
        ignoreBrokenPipes
        let child = try ChildSpawner.spawn(.init(path, arguments, environment: environment, ownProcessGroup: true,
                                                 stdin: .pipe, stdout: .pipe, stderr: .pipe))
        let stderr = child.stderr
        let started = child.pid
        Thread.detachNewThread { forwardLines(from: stderr, to: logger, pid: started) }
        return ChildProcess(child)
    }

    /// Writes all of `bytes`; false once the other end is closed.
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(child.stdin, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
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
        var poller = pollfd(fd: child.stdout, events: Int16(POLLIN), revents: 0)
        var ready: Int32
        repeat { ready = poll(&poller, 1, timeout) } while ready < 0 && errno == EINTR
        guard ready > 0 else { return ready == 0 ? .timedOut : .ended }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var count: Int
        repeat { count = Glibc.read(child.stdout, &buffer, buffer.count) } while count < 0 && errno == EINTR
        guard count > 0 else { return .ended }
        return .data(Array(buffer[..<count]))
    }

    /// Stops the process with the spawner's teardown (stdin closed, half of `grace` ms to exit,
    /// SIGTERM to its group, the other half, SIGKILL) and closes the pipes. Returns the exit
    /// status, or the negated signal number.
    func stop(grace: UInt32) -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        let result = switch child.terminate(grace: .milliseconds(Int(grace))) {
        case .exited(let code): code
        case .signalled(let signal): -signal
        }
        close(child.stdout)
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

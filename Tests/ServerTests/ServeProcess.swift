import Foundation
import MarketCore
import MarketTestSupport
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `market serve` as a child process: its standard output collected line by line, signals
/// sent by pid, and its exit awaited. Spawned with default signal handling, whatever the test
/// runner ignores, so SIGTERM reaches the server's own handler.
final class ServeProcess: Sendable {
    let pid: pid_t
    private let lines = Mutex<[String]>([])
    private let errors = Mutex<String>("")
    private let exit = Mutex<Int32?>(nil)
    /// Set, under its lock, once the child has exited and before it is reaped: a signal sent
    /// while it is false reaches this child (a zombie keeps its pid), never a process that
    /// reused the pid later. Tests signal servers from `defer` blocks long after they exited.
    private let exited = Mutex(false)
    /// Signalled when standard error reaches its end, so a crash's last words are read before
    /// the exit is reported.
    private let errorsEnded = DispatchSemaphore(value: 0)

    /// The pid of the process's first child (for a server run under `script`).
    var firstChild: pid_t? {
        let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)
        return text?.split(separator: " ").first.flatMap { pid_t($0) }
    }

    /// Starts `executable` (the built `market` by default) with `arguments`.
    init(executable: String = buildProductsDirectory.appendingPathComponent("market").path, _ arguments: [String],
         removing removed: Set<String> = [], environment extra: [String: String] = [:]) throws {
        var environment = ProcessInfo.processInfo.environment.filter { !removed.contains($0.key) }
        environment.merge(extra) { _, new in new }
        let spawned = try ChildSpawner.spawn(.init(executable, arguments, environment: environment.map { "\($0.key)=\($0.value)" },
                                                   stdout: .pipe, stderr: .pipe))
        pid = spawned.pid
        let (outEnd, errEnd) = (spawned.stdout, spawned.stderr)
        Thread.detachNewThread { [self] in
            var pending: [UInt8] = []
            Self.drain(outEnd) { chunk in
                pending += chunk
                while let newline = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    lines.withLock { $0.append(line) }
                }
            }
        }
        Thread.detachNewThread { [self] in
            Self.drain(errEnd) { chunk in errors.withLock { $0 += String(decoding: chunk, as: UTF8.self) } }
            errorsEnded.signal()
        }
        let child = pid
        Thread.detachNewThread { [self] in
            var info = siginfo_t()
            while waitid(P_PID, id_t(child), &info, WEXITED | WNOWAIT) < 0, errno == EINTR {}
            exited.withLock { $0 = true }
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0, errno == EINTR {}
            // A process the server started may still hold the pipe: wait for its end a little, not forever.
            _ = errorsEnded.wait(timeout: .now() + 5)
            exit.withLock { $0 = status }
        }
    }

    private static func drain(_ fd: Int32, _ take: ([UInt8]) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            take(Array(buffer[0..<count]))
        }
        close(fd)
    }

    /// Everything printed on standard output so far, one entry per line.
    var output: [String] { lines.withLock { $0 } }
    var standardError: String { errors.withLock { $0 } }

    /// The raw wait status once the process has exited.
    var waitStatus: Int32? { exit.withLock { $0 } }

    /// Sends `number` to the server unless it has already exited.
    func signal(_ number: Int32) {
        exited.withLock { if !$0 { kill(pid, number) } }
    }

    /// Waits until a line of output satisfies `match`, returning it.
    func line(within seconds: Double, where match: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if let line = output.first(where: match) { return line }
            if waitStatus != nil, let line = output.first(where: match) { return line }
            if waitStatus != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HTTPTestFailure("market serve printed no such line; output:\n\(output.joined(separator: "\n"))\nstderr:\n\(standardError)")
    }

    /// Waits for the exit and returns (exit status, whether a signal ended it).
    func exitStatus(within seconds: Double) async throws -> (status: Int32, signaled: Bool) {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if let status = waitStatus {
                let signal = status & 0x7F
                return signal == 0 ? ((status >> 8) & 0xFF, false) : (signal, true)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HTTPTestFailure("market serve did not exit within \(seconds) s; stderr: \(standardError); last log lines:\n"
                              + output.suffix(12).joined(separator: "\n"))
    }

    deinit {
        // A test that failed half-way must not leave a server behind.
        signal(SIGKILL)
    }
}

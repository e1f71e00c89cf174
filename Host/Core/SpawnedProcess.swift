import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A program `ChildSpawner` started: its pid and the host's ends of its pipes (-1 where the
/// stream was not a pipe). Whoever holds it reaps the child once, with `wait` or `terminate`,
/// and closes the descriptors.
public struct SpawnedProcess: Sendable {
    public let pid: pid_t
    /// Whether the child leads its own process group (signals then go to the whole group).
    public let ownProcessGroup: Bool
    public let stdin: Int32
    public let stdout: Int32
    public let stderr: Int32

    /// How a child ended.
    public enum ExitStatus: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)

        /// Decodes `waitpid`'s status (WIFEXITED and friends are macros Swift cannot import).
        init(waitStatus status: Int32) {
            let signal = status & 0x7F
            self = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
        }
    }

    /// Blocks until the child exits and reaps it.
    public func wait() -> ExitStatus {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return ExitStatus(waitStatus: status)
    }

    /// Reaps the child if it has exited, without waiting.
    public func exitStatusIfExited() -> ExitStatus? {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid ? ExitStatus(waitStatus: status) : nil
    }

    /// Sends `signal` to the child, or to its whole group when it leads one.
    public func send(_ signal: Int32) {
        kill(ownProcessGroup ? -pid : pid, signal)
    }

    /// Whether the child has exited, leaving it unreaped: while it is a zombie its pid (and its
    /// group's id) cannot be reused, so a signal sent now reaches only what it started.
    public func hasExited() -> Bool {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) < 0 {
            guard errno == EINTR else { return true }  // ECHILD: already reaped
        }
        return info.si_signo != 0
    }

    /// The teardown: closes the child's standard input (when it is a pipe) and gives it half of
    /// `grace` to exit on its own, then SIGTERM and the other half, then SIGKILL; reaps it. A
    /// child that leads a group has the group killed before it is reaped, so nothing it started
    /// outlives it and the signal cannot reach a group that reused its id. The other
    /// descriptors stay open for the caller to drain and close.
    public func terminate(grace: Duration) -> ExitStatus {
        if stdin >= 0 { close(stdin) }
        func exits(within time: Duration) -> Bool {
            let deadline = ContinuousClock.now + time
            repeat {
                if hasExited() { return true }
                usleep(2_000)
            } while ContinuousClock.now < deadline
            return false
        }
        let half = grace / 2
        if !exits(within: half) {
            send(SIGTERM)
            if !exits(within: grace - half) { send(SIGKILL) }
        }
        if ownProcessGroup { kill(-pid, SIGKILL) }
        return wait()
    }

    /// Reads `fd` to its end (EOF or an error) and returns what came.
    public static func readToEnd(_ fd: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return bytes }
            bytes += buffer[0..<count]
        }
    }
}

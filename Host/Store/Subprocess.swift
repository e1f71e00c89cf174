import Foundation
import MarketCore

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to completion and collects its output (standard output and error together).
/// Blocks the calling thread: call it from a thread pool, never from the cooperative pool.
///
/// Built on `posix_spawn` and `waitpid` rather than Foundation's `Process`, whose exit
/// detection relies on SIGCHLD reaching a dispatch source, which threads that do not block
/// the signal (thread pools') can swallow, leaving the caller waiting forever.
enum Subprocess {
    struct Outcome {
        let status: Int32
        let output: String
    }

    /// When `user` is given, runs the program as that user through `runuser` (which needs root).
    static func run(_ executable: String, _ arguments: [String], as user: String? = nil, in directory: URL? = nil) throws -> Outcome {
        // `env -C` sets the working directory, which posix_spawn cannot do portably.
        let command = (directory.map { ["/usr/bin/env", "-C", $0.path] } ?? []) + [executable] + arguments
        let argv = user.map { ["runuser", "-u", $0, "--"] + command } ?? command
        let program = user == nil ? command[0] : runuser
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw failure(executable, errno) }
        defer { close(ends[0]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 2)
        posix_spawn_file_actions_addclose(&actions, ends[0])
        posix_spawn_file_actions_addclose(&actions, ends[1])
        SpawnActions.closeInheritedDescriptors(&actions)
        var pid: pid_t = 0
        let spawned = withCStrings(argv) { cArguments in
            posix_spawn(&pid, program, &actions, nil, cArguments.map { $0.map { UnsafeMutablePointer(mutating: $0) } }, environ)
        }
        close(ends[1])
        guard spawned == 0 else { throw failure(executable, spawned) }
        var output = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(ends[0], &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            output += buffer[0..<count]
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // WIFEXITED/WEXITSTATUS are macros Swift cannot import.
        let exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Outcome(status: exitStatus, output: String(decoding: output, as: UTF8.self))
    }

    private static func failure(_ executable: String, _ code: Int32) -> MarketError {
        MarketError(.clusterFailed, "cannot run \(URL(fileURLWithPath: executable).lastPathComponent) (errno \(code))",
                    fix: "check that postgresql is installed and executable")
    }

    private static var runuser: String {
        ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/runuser"
    }
}

import CSpawn
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child started with `posix_spawn`: standard input from /dev/null, standard output and
/// error on pipes, and default signal handling with nothing blocked, whatever the test runner
/// ignores or blocks (so SIGTERM and SIGINT reach the child's own handlers).
public struct SpawnedChild: Sendable {
    public let pid: pid_t
    /// The read ends of the child's standard output and error; the caller closes them.
    public let stdout: Int32
    public let stderr: Int32

    /// Starts `argv[0]` (a path) with `argv` and exactly `environment`.
    public static func spawn(_ argv: [String], environment: [String: String]) throws -> SpawnedChild {
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
        // Only the standard descriptors reach the child: an inherited socket (a server's listener or
        // a client's connection) stays open in it, so a connection the parent closes would not end.
        _ = mk_spawn_close_from(&actions, 3)
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
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArguments + cEnvironment).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
        close(out[1])
        close(err[1])
        guard spawned == 0 else {
            close(out[0])
            close(err[0])
            throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .ENOENT)
        }
        return SpawnedChild(pid: pid, stdout: out[0], stderr: err[0])
    }
}

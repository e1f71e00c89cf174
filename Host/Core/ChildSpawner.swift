import CSpawn
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starts every program the host runs: `initdb`/`pg_ctl`, the install probe, plugins' helpers.
///
/// One `posix_spawn` with the same rules everywhere: the child gets its three standard
/// descriptors and nothing else (the host's sockets would otherwise stay open in it), default
/// signal handling with nothing blocked (whatever the host ignores or blocks), and the host's
/// ends of its pipes are close-on-exec from the moment they exist, so a program another thread
/// starts meanwhile does not inherit them. Built on `posix_spawn` and `waitpid` rather than
/// Foundation's `Process`, whose exit detection relies on SIGCHLD reaching a dispatch source;
/// threads that do not block the signal can swallow it, leaving the caller waiting forever.
/// swift-subprocess is not used: docs/decisions.md ("One of each") says why.
public enum ChildSpawner {
    /// Where one of the child's standard descriptors goes.
    public enum Stream: Sendable {
        /// /dev/null.
        case null
        /// A pipe whose other end the host holds (`SpawnedProcess.stdin`, `.stdout`, `.stderr`).
        case pipe
        /// Standard error only: the same pipe or file as standard output (/dev/null elsewhere).
        case output
    }

    /// What to run and how.
    public struct Command: Sendable {
        /// An absolute path; the spawner does not search PATH.
        public var executable: String
        public var arguments: [String]
        /// `NAME=value` entries, or nil for the host's own environment.
        public var environment: [String]?
        /// The child's working directory, or nil for the host's.
        public var directory: String?
        /// Another user to run as, through `runuser` (the host must be root).
        public var user: String?
        /// Whether the child leads a process group of its own, so signals to `-pid` reach
        /// whatever it starts too.
        public var ownProcessGroup: Bool
        public var stdin: Stream
        public var stdout: Stream
        public var stderr: Stream

        public init(_ executable: String, _ arguments: [String] = [], environment: [String]? = nil, directory: String? = nil,
                    user: String? = nil, ownProcessGroup: Bool = false, stdin: Stream = .null, stdout: Stream = .null, stderr: Stream = .null) {
            self.executable = executable
            self.arguments = arguments
            self.environment = environment
            self.directory = directory
            self.user = user
            self.ownProcessGroup = ownProcessGroup
            self.stdin = stdin
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Why a program could not start: the errno of the step that failed.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let code: Int32
        public init(code: Int32) { self.code = code }
        public var description: String { String(cString: strerror(code)) }
    }

    /// Starts `command`. The caller reaps the child (`SpawnedProcess.wait` or `terminate`) and
    /// closes the descriptors it was handed.
    public static func spawn(_ command: Command) throws(Failure) -> SpawnedProcess {
        var pipes: [Int32: (host: Int32, child: Int32)] = [:]
        func closeAll() { for ends in pipes.values { close(ends.host); close(ends.child) } }
        for (fd, stream) in [(Int32(0), command.stdin), (1, command.stdout), (2, command.stderr)] where stream == .pipe {
            var ends: [Int32] = [-1, -1]
            guard mk_pipe_cloexec(&ends) == 0 else {
                let code = errno
                closeAll()
                throw Failure(code: code)
            }
            // The child reads its standard input from ends[0] and writes its output to ends[1].
            pipes[fd] = fd == 0 ? (host: ends[1], child: ends[0]) : (host: ends[0], child: ends[1])
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        connect(0, command.stdin, pipes[0]?.child, &actions)
        connect(1, command.stdout, pipes[1]?.child, &actions)
        connect(2, command.stderr, pipes[2]?.child, &actions)
        if let directory = command.directory { _ = mk_spawn_chdir(&actions, directory) }
        // After the dup2s, which clear close-on-exec on 0-2 only.
        _ = mk_spawn_close_from(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        if command.ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let program = command.user == nil ? command.executable : runuser
        let words = command.user.map { [runuser, "-u", $0, "--", command.executable] } ?? [command.executable]
        let argv = (words + command.arguments).map { strdup($0) } + [nil]
        let envp = command.environment.map { $0.map { strdup($0) } + [nil] }
        defer { (argv + (envp ?? [])).forEach { free($0) } }
        var pid: pid_t = 0
        let result = envp.map { posix_spawn(&pid, program, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, program, &actions, &attributes, argv, environ)
        for ends in pipes.values { close(ends.child) }
        guard result == 0 else {
            for ends in pipes.values { close(ends.host) }
            throw Failure(code: result)
        }
        return SpawnedProcess(pid: pid, ownProcessGroup: command.ownProcessGroup,
                              stdin: pipes[0]?.host ?? -1, stdout: pipes[1]?.host ?? -1, stderr: pipes[2]?.host ?? -1)
    }

    private static func connect(_ fd: Int32, _ stream: Stream, _ pipeEnd: Int32?, _ actions: inout posix_spawn_file_actions_t) {
        if let pipeEnd {
            posix_spawn_file_actions_adddup2(&actions, pipeEnd, fd)
        } else if stream == .output, fd == 2 {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
    }

    private static var runuser: String {
        ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/runuser"
    }
}

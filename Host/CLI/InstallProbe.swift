import Foundation
import MarketCore
import MarketRegistry

/// Probe-loads a plugin folder in a child process (`market plugin probe`), so a plugin that
/// crashes or hangs while loading cannot take the installer down.
enum InstallProbe {
    /// Seconds a plugin may take to load: 30, or `$MARKET_PROBE_TIMEOUT` for plugins that are
    /// slow to start (and for tests of a hanging one).
    static var timeout: TimeInterval {
        ProcessInfo.processInfo.environment["MARKET_PROBE_TIMEOUT"].flatMap(TimeInterval.init).flatMap { $0 > 0 ? $0 : nil } ?? 30
    }

    static func run(_ folder: URL) async throws {
        // Waiting for the child blocks, so it happens on a thread of its own.
        try await BlockingWork.run { try runBlocking(folder) }
    }

    /// Spawns the probe with `posix_spawn` rather than Foundation's `Process`, which was seen
    /// to spend tens of milliseconds between starting the child and its exec on every install. The installer's own descriptors are opened close-on-exec, so the child gets
    /// only its three standard ones.
    private static func runBlocking(_ folder: URL) throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        var output: [Int32] = [-1, -1]
        guard pipe(&output) == 0 else {
            throw MarketError(.probeFailed, "cannot make a pipe to probe the plugin: \(String(cString: strerror(errno)))")
        }
        // Only the child's standard output is meant to hold the pipe (dup2 clears the flag).
        _ = fcntl(output[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(output[1], F_SETFD, FD_CLOEXEC)
        defer { close(output[0]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        SpawnActions.closeInheritedDescriptors(&actions)
        // The child starts with default signal handling and nothing blocked, whatever the
        // installer's own settings are.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let folderPath: String = folder.path
        let words: [String] = [executable, "plugin", "probe", folderPath]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        close(output[1])
        guard spawned == 0 else {
            throw MarketError(.probeFailed, "cannot start a process to probe the plugin: \(String(cString: strerror(spawned)))")
        }
        let (report, status) = try collect(output[0], pid: pid)
        try interpret(report, status: status, folder: folder)
    }

    /// Reads the child's report until it exits; kills it at the timeout.
    private static func collect(_ descriptor: Int32, pid: pid_t) throws -> (Data, Int32) {
        let timeout = timeout
        let deadline = Date().addingTimeInterval(timeout)
        var report = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var status: Int32 = 0
        var open = true
        while true {
            if open {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                if poll(&poller, 1, 50) > 0 {
                    let count = read(descriptor, &buffer, buffer.count)
                    if count > 0, report.count < 1 << 20 { report.append(contentsOf: buffer[0..<count]) } else if count <= 0 { open = false }
                }
            } else {
                usleep(2_000)
            }
            // Checked on every turn: the child may exit while a process it started still
            // holds the pipe open.
            if waitpid(pid, &status, WNOHANG) == pid {
                if open { drain(descriptor, into: &report) }
                return (report, status)
            }
            guard Date() < deadline else {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw MarketError(.probeFailed, "the plugin did not finish loading within \(timeout) seconds",
                                  fix: "ask its publisher; nothing was installed (a plugin that is slow to start may get more time with MARKET_PROBE_TIMEOUT)")
            }
        }
    }

    /// Reads what is already in the pipe without waiting for its end.
    private static func drain(_ descriptor: Int32, into report: inout Data) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while report.count < 1 << 20, poll(&poller, 1, 0) > 0 {
            let count = read(descriptor, &buffer, buffer.count)
            guard count > 0 else { return }
            report.append(contentsOf: buffer[0..<count])
        }
    }

    private static func interpret(_ report: Data, status: Int32, folder: URL) throws {
        let signal = status & 0x7f
        guard signal == 0 else {
            throw MarketError(.probeFailed, "the plugin crashed while loading (signal \(signal))", fix: "ask its publisher; nothing was installed")
        }
        let exitStatus = (status >> 8) & 0xff
        guard exitStatus != 0 else { return }
        let line = (try? JSONValue(parsing: String(decoding: report, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))) ?? .null
        guard case .string(let code)? = line["code"], case .string(let message)? = line["message"] else {
            throw MarketError(.probeFailed, "the plugin did not load (exit status \(exitStatus))",
                              fix: "run `market plugin probe \(folder.path)` to see why; nothing was installed")
        }
        let fix = if case .string(let text)? = line["fix"], !text.isEmpty { text } else { "nothing was installed" }
        throw MarketError(.probeFailed, "the plugin did not load: \(code): \(message)", fix: fix)
    }
}

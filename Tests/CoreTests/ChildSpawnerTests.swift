import Foundation
import MarketCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The one spawner behind every program the host starts: what the child inherits, where it
/// runs, its process group, and the teardown.
@Suite struct ChildSpawnerTests {
    /// Runs `script` with /bin/sh, its three streams on pipes; returns what it printed once it
    /// exited. The host's end of its stdin stays open until then, so the script can see it.
    func shell(_ script: String, directory: String? = nil, ownProcessGroup: Bool = false) throws -> (output: String, child: SpawnedProcess) {
        let child = try ChildSpawner.spawn(.init("/bin/sh", ["-c", script], directory: directory, ownProcessGroup: ownProcessGroup,
                                                 stdin: .pipe, stdout: .pipe, stderr: .pipe))
        let output = SpawnedProcess.readToEnd(child.stdout)
        #expect(child.wait() == .exited(0))
        close(child.stdin)
        close(child.stdout)
        close(child.stderr)
        return (String(decoding: output, as: UTF8.self), child)
    }

    @Test func theChildGetsOnlyItsStandardDescriptorsAndTheHostsEndsAreCloseOnExec() throws {
        // A descriptor the test holds without close-on-exec: closefrom must keep it from the child.
        let leaked = open("/dev/null", O_RDONLY)
        defer { close(leaked) }
        // For each of the shell's standard descriptors, the flags of the host's descriptor on
        // the same pipe (fdinfo's flags are octal; O_CLOEXEC is 02000000).
        let (output, _) = try shell("""
            ls /proc/$$/fd
            for n in 0 1 2; do
              target=$(readlink /proc/$$/fd/$n)
              for f in /proc/$PPID/fd/*; do
                if [ "$(readlink $f)" = "$target" ]; then grep '^flags' /proc/$PPID/fdinfo/${f##*/}; fi
              done
            done
            """)
        let lines = output.split(separator: "\n")
        #expect(lines.prefix(3) == ["0", "1", "2"], "\(output)")
        let flags = lines.filter { $0.hasPrefix("flags:") }.compactMap { Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8) }
        #expect(flags.count == 3, "\(output)")
        #expect(flags.allSatisfy { $0 & 0o2000000 != 0 }, "\(output)")
    }

    @Test func theChildRunsInTheGivenDirectoryAndStandardErrorCanJoinStandardOutput() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spawner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let child = try ChildSpawner.spawn(.init("/bin/sh", ["-c", "pwd; echo said >&2; cat"], directory: folder.path, stdout: .pipe, stderr: .output))
        let output = String(decoding: SpawnedProcess.readToEnd(child.stdout), as: UTF8.self)
        close(child.stdout)
        // Standard input was /dev/null, so `cat` ended at once.
        #expect(child.wait() == .exited(0))
        #expect(output == "\(folder.path)\nsaid\n")
        #expect(child.stdin == -1 && child.stderr == -1)
    }

    @Test func aChildInItsOwnProcessGroupLeadsIt() throws {
        // Field 5 of /proc/<pid>/stat is the process group.
        let own = try shell("cut -d' ' -f5 /proc/$$/stat; echo $$", ownProcessGroup: true)
        let ownFields = own.output.split(separator: "\n")
        #expect(ownFields.count == 2 && ownFields[0] == ownFields[1], "\(own.output)")
        #expect(ownFields.last == Substring(String(own.child.pid)))
        let shared = try shell("cut -d' ' -f5 /proc/$$/stat")
        #expect(shared.output == "\(getpgrp())\n")
    }

    @Test func theTeardownClosesInputFirstThenSignalsTheWholeGroup() throws {
        // `cat` ends when its input closes: no signal is needed.
        let cat = try ChildSpawner.spawn(.init("/bin/cat", stdin: .pipe, stdout: .pipe))
        let started = ContinuousClock.now
        #expect(cat.terminate(grace: .seconds(10)) == .exited(0))
        #expect(ContinuousClock.now - started < .seconds(4))
        close(cat.stdout)

        // A shell that ignores SIGTERM (and so does the `sleep` it started) ends with SIGKILL,
        // and so does the `sleep`, through the group.
        let stubborn = try ChildSpawner.spawn(.init("/bin/sh", ["-c", "trap '' TERM; sleep 30 & echo $!; wait"], ownProcessGroup: true,
                                                    stdin: .pipe, stdout: .pipe))
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(stubborn.stdout, &buffer, buffer.count)
        let sleeper = try #require(pid_t(String(decoding: buffer[0..<max(0, count)], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        let stopping = ContinuousClock.now
        #expect(stubborn.terminate(grace: .milliseconds(400)) == .signalled(SIGKILL))
        #expect(ContinuousClock.now - stopping < .seconds(4))
        close(stubborn.stdout)
        #expect(Self.stopsRunning(sleeper))
    }

    /// Whether `pid` is gone, or a zombie waiting for whoever adopted it, within five seconds:
    /// either way no longer running.
    static func stopsRunning(_ pid: pid_t) -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            if stat.split(separator: ")").last?.split(separator: " ").first == "Z" { return true }
            usleep(20_000)
        }
        return false
    }

    /// The group is killed while its leader is still a zombie: its id cannot have been reused.
    @Test func aLeaderThatExitsAloneHasWhatItStartedKilledBeforeItIsReaped() throws {
        let leader = try ChildSpawner.spawn(.init("/bin/sh", ["-c", "sleep 30 >/dev/null & echo $!"], ownProcessGroup: true, stdin: .pipe, stdout: .pipe))
        let sleeper = try #require(pid_t(String(decoding: SpawnedProcess.readToEnd(leader.stdout), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        close(leader.stdout)
        let deadline = ContinuousClock.now + .seconds(10)
        while !leader.hasExited(), ContinuousClock.now < deadline { usleep(5_000) }
        #expect(leader.hasExited())
        // Exited but not reaped: still in the process table, as a zombie.
        let stat = try String(contentsOfFile: "/proc/\(leader.pid)/stat", encoding: .utf8)
        #expect(stat.split(separator: ")").last?.split(separator: " ").first == "Z", "\(stat)")
        #expect(leader.terminate(grace: .seconds(2)) == .exited(0))
        #expect(kill(leader.pid, 0) == -1 && errno == ESRCH, "reaped")
        #expect(Self.stopsRunning(sleeper), "the sleeper the leader left behind")
    }

    @Test func aProgramThatCannotStartIsAFailureWithItsErrno() {
        #expect(throws: ChildSpawner.Failure(code: ENOENT)) {
            try ChildSpawner.spawn(.init("/nonexistent/program", stdout: .pipe))
        }
    }
}

import Foundation
import MarketCore
@testable import MarketStore
import Testing

/// The store runs `initdb`, `pg_ctl` and `psql` through `Subprocess`, on the host's one spawner.
@Suite struct SubprocessTests {
    /// The pipe the store reads a program's output from was opened without close-on-exec, so a
    /// program another thread started meanwhile could inherit it (and keep it open).
    @Test func theHostsEndOfTheOutputPipeIsCloseOnExec() throws {
        // The flags of the host's descriptors on the program's standard output pipe (fdinfo's
        // flags are octal; O_CLOEXEC is 02000000).
        let outcome = try Subprocess.run("/bin/sh", ["-c", """
            target=$(readlink /proc/$$/fd/1)
            for f in /proc/$PPID/fd/*; do
              if [ "$(readlink $f)" = "$target" ]; then grep '^flags' /proc/$PPID/fdinfo/${f##*/}; fi
            done
            """])
        #expect(outcome.status == 0)
        let flags = outcome.output.split(separator: "\n").compactMap { Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces), radix: 8) }
        #expect(flags.count == 1, "\(outcome.output)")
        #expect(flags.allSatisfy { $0 & 0o2000000 != 0 }, "\(outcome.output)")
    }

    @Test func standardErrorJoinsTheOutputAndASignalIsStatus128PlusItsNumber() throws {
        let folder = FileManager.default.temporaryDirectory
        let said = try Subprocess.run("/bin/sh", ["-c", "pwd; echo failed >&2; exit 3"], in: folder)
        #expect(said.status == 3)
        #expect(said.output == "\(folder.path)\nfailed\n")
        let killed = try Subprocess.run("/bin/sh", ["-c", "kill -9 $$"])
        #expect(killed.status == 128 + 9)
    }

    @Test func aProgramThatCannotStartIsCLUSTER_FAILED() {
        #expect { try Subprocess.run("/nonexistent/initdb", []) } throws: { error in
            (error as? MarketError)?.code == .clusterFailed
        }
    }
}

import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Turns an `exit()` that `market serve` did not make into a logged failure. Plugins run in the
/// host's process, so one that calls `exit(0)` (a careless library, a command-line `main` reused
/// as a plugin) would stop the server silently with status 0, and a supervisor that restarts
/// only on failure would leave it down. Until plugins run out of process, the guard's exit
/// handler (registered with glibc's `on_exit`) logs who it cannot name and ends the process
/// with `exitStatus` instead.
///
/// `serve` arms it at its start and disarms it before each of its own ways out: its return, an
/// error, and the shutdown deadline's `exit(1)`; those keep their statuses.
enum ForeignExitGuard {
    /// `EX_SOFTWARE` from sysexits.h: an internal software error.
    static let exitStatus: Int32 = 70

    private static let armed = Atomic<Bool>(false)
    private static let registered = Atomic<Bool>(false)
    private static let logger = Mutex<Logger?>(nil)

    /// Arms the guard, logging through `logger` if it fires.
    static func arm(logger: Logger) {
        self.logger.withLock { $0 = logger }
        if !registered.exchange(true, ordering: .acquiringAndReleasing) {
            // No captures: a C function pointer; the state it reads is static.
            on_exit({ status, _ in ForeignExitGuard.exited(status: status) }, nil)
        }
        armed.store(true, ordering: .releasing)
    }

    /// Lets the process exit with whatever status it is given: `serve` is leaving on purpose.
    static func disarm() {
        armed.store(false, ordering: .releasing)
    }

    /// Runs inside `exit(status)`, on the thread that called it.
    private static func exited(status: Int32) {
        guard armed.exchange(false, ordering: .acquiringAndReleasing) else { return }
        let message = "a plugin (or other code in the process) called exit(\(status)) while market serve was running; " +
            "exiting with status \(exitStatus) so that a supervisor restarts the server"
        logger.withLock { $0 }?.critical("\(message)", metadata: ["exit_status": "\(status)", "status": "\(exitStatus)"])
        // Also on standard error, where a process's own death is looked for first.
        FileHandle.standardError.write(Data("market serve: \(message)\n".utf8))
        // Not exit(): the handlers still to run (and static destructors) belong to the exit being replaced.
        _exit(exitStatus)
    }
}

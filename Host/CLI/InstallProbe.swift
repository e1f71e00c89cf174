import Foundation
import MarketCore
import MarketRegistry

/// Probe-loads a plugin folder in a child process (`market plugin probe`), so a plugin that
/// crashes or hangs while loading cannot take the installer down. `pack`, `publish` and
/// `registry build` run the same probe, so a library that cannot load is never published.
enum InstallProbe {
    /// Seconds a plugin may take to load: 30, or `$MARKET_PROBE_TIMEOUT` for plugins that are
    /// slow to start (and for tests of a hanging one).
    static var timeout: TimeInterval {
        ProcessInfo.processInfo.environment["MARKET_PROBE_TIMEOUT"].flatMap(TimeInterval.init).flatMap { $0 > 0 ? $0 : nil } ?? 30
    }

    /// What a refusal says was not done, and who can mend the plugin.
    struct Purpose: Sendable {
        /// Appended to the message; empty for installs, whose fixes already say it.
        let messageSuffix: String
        let nothingDone: String
        let whoMends: String

        static let installing = Purpose(messageSuffix: "", nothingDone: "nothing was installed", whoMends: "ask its publisher")
        static let publishing = Purpose(messageSuffix: "; nothing was packed or published", nothingDone: "nothing was packed or published",
                                        whoMends: "fix the plugin so that it loads")
    }

    static func run(_ folder: URL) async throws {
        // Waiting for the child lasts up to the timeout: a thread of its own, not the pool's.
        try await BlockingWork.runOnOwnThread { try runBlocking(folder, for: .installing) }
    }

    /// The probe for `pack`, `publish` and `registry build`, whose refusals say nothing was
    /// packed or published rather than installed. Blocking.
    static func forPublishing(_ folder: URL) throws {
        try runBlocking(folder, for: .publishing)
    }

    /// Spawns the probe with `ChildSpawner` rather than Foundation's `Process`, which was seen
    /// to spend tens of milliseconds between starting the child and its exec on every install.
    private static func runBlocking(_ folder: URL, for purpose: Purpose) throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let child: SpawnedProcess
        do {
            child = try ChildSpawner.spawn(.init(executable, ["plugin", "probe", folder.path], stdout: .pipe))
        } catch {
            throw MarketError(.probeFailed, "cannot start a process to probe the plugin: \(error)")
        }
        defer { close(child.stdout) }
        let (report, status) = try collect(child, for: purpose)
        try interpret(report, status: status, folder: folder, for: purpose)
    }

    /// Reads the child's report until it exits; kills it at the timeout.
    private static func collect(_ child: SpawnedProcess, for purpose: Purpose) throws -> (Data, SpawnedProcess.ExitStatus) {
        let descriptor = child.stdout
        let timeout = timeout
        let deadline = Date().addingTimeInterval(timeout)
        var report = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
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
            if let status = child.exitStatusIfExited() {
                if open { drain(descriptor, into: &report) }
                return (report, status)
            }
            guard Date() < deadline else {
                child.send(SIGKILL)
                _ = child.wait()
                throw MarketError(.probeFailed, "the plugin did not finish loading within \(timeout) seconds" + purpose.messageSuffix,
                                  fix: "\(purpose.whoMends); \(purpose.nothingDone) (a plugin that is slow to start may get more time with MARKET_PROBE_TIMEOUT)")
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

    private static func interpret(_ report: Data, status: SpawnedProcess.ExitStatus, folder: URL, for purpose: Purpose) throws {
        let exitStatus: Int32
        switch status {
        case .signalled(let signal):
            throw MarketError(.probeFailed, "the plugin crashed while loading (signal \(signal))" + purpose.messageSuffix,
                              fix: "\(purpose.whoMends); \(purpose.nothingDone)")
        case .exited(let code): exitStatus = code
        }
        guard exitStatus != 0 else { return }
        let line = (try? JSONValue(parsing: String(decoding: report, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))) ?? .null
        guard case .string(let code)? = line["code"], case .string(let message)? = line["message"] else {
            throw MarketError(.probeFailed, "the plugin did not load (exit status \(exitStatus))" + purpose.messageSuffix,
                              fix: "run `market plugin probe \(folder.path)` to see why; \(purpose.nothingDone)")
        }
        let fix = if case .string(let text)? = line["fix"], !text.isEmpty { text } else { purpose.nothingDone }
        throw MarketError(.probeFailed, "the plugin did not load: \(code): \(message)" + purpose.messageSuffix, fix: fix)
    }
}

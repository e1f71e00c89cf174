import Foundation
import MarketCore

#if canImport(Glibc)
import Glibc
#endif

/// A server started as a child process for a test, listening on an ephemeral loopback port
/// that it announces on standard output. Killed when released.
public final class LoopbackServerProcess: @unchecked Sendable {
    // @unchecked: `child` is only started in init and killed in deinit.
    private let child: SpawnedProcess
    public let port: Int

    /// Starts `arguments` (run through /usr/bin/env) and reads its output until `port(from:)`
    /// finds the port in what was printed so far.
    public init(_ arguments: [String], port find: (String) -> Int?) throws {
        child = try ChildSpawner.spawn(.init("/usr/bin/env", arguments, stdout: .pipe))
        var seen = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            if let port = find(seen) {
                self.port = port
                return
            }
            let count = read(child.stdout, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            if count <= 0 {
                Self.end(child)
                throw LoopbackServerFailure(output: seen)
            }
            seen += String(decoding: buffer[0..<count], as: UTF8.self)
        }
    }

    /// Starts it as `init` does, waiting on a thread of its own: waiting for a child to start
    /// on one of Swift's few cooperative threads stalls every other test's tasks meanwhile.
    public static func start(_ arguments: [String], port find: @escaping @Sendable (String) -> Int?) async throws -> LoopbackServerProcess {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try LoopbackServerProcess(arguments, port: find) })
            }
        }
    }

    deinit {
        Self.end(child)
    }

    /// SIGKILL (children of the test runner may inherit an ignored SIGTERM), then the child is
    /// reaped on a thread of its own: waiting here could stall an async test.
    private static func end(_ child: SpawnedProcess) {
        child.send(SIGKILL)
        close(child.stdout)
        Thread.detachNewThread { _ = child.wait() }
    }
}

/// The server exited before it said which port it listens on.
public struct LoopbackServerFailure: Error, CustomStringConvertible {
    public let output: String
    public var description: String { "the loopback server did not start; it printed: \(output)" }
}

extension LoopbackServerProcess {
    /// Tests/Fixtures/<name>/server.py with `arguments`, once it has printed
    /// "listening on PORT": the loopback fakes of outside services all start this way.
    public static func fixture(_ name: String, _ arguments: [String] = []) async throws -> LoopbackServerProcess {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/\(name)/server.py")
        return try await start(["python3", "-u", script.path] + arguments) { seen in
            guard let line = seen.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) else { return nil }
            return Int(line.dropFirst("listening on ".count))
        }
    }
}

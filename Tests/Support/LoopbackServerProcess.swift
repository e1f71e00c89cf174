import Foundation

/// A server started as a child process for a test, listening on an ephemeral loopback port
/// that it announces on standard output. Killed when released.
public final class LoopbackServerProcess: @unchecked Sendable {
    // @unchecked: `process` is only started in init and killed in deinit.
    private let process = Process()
    public let port: Int

    /// Starts `arguments` (run through /usr/bin/env) and reads its output until `port(from:)`
    /// finds the port in what was printed so far.
    public init(_ arguments: [String], port find: (String) -> Int?) throws {
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = ""
        while true {
            if let port = find(seen) {
                self.port = port
                return
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                kill(process.processIdentifier, SIGKILL)
                throw LoopbackServerFailure(output: seen)
            }
            seen += String(decoding: chunk, as: UTF8.self)
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
        // SIGKILL: children of the test runner may inherit an ignored SIGTERM. Foundation reaps
        // the child; waiting here could stall an async test.
        kill(process.processIdentifier, SIGKILL)
    }
}

/// The server exited before it said which port it listens on.
public struct LoopbackServerFailure: Error, CustomStringConvertible {
    public let output: String
    public var description: String { "the loopback server did not start; it printed: \(output)" }
}
